// The scripted student in Node: a real guest and engine (startEngineInGuest), the lesson's starting state built by
// web/course/lesson-start.ts, each step done by typing its shell into the guest console like a learner, and the
// step's check (web/course/check-evaluator.ts) red before and green after. Shared by the course integration test.
import { startEngineInGuest, type EngineInGuest } from '../../emulator/node-backends/engine-in-guest.ts';
import { evaluateChecks, type ChecksResult } from '../../web/course/check-evaluator.ts';
import { prepareLesson, stepFiles, stepShell, type StartMachine } from '../../web/course/lesson-start.ts';
import type { Lesson } from '../../web/course/lesson-types.ts';

const PROMPT = /[#$] (?:\x1b\[(?:6n|J))*$/;
const decoder = new TextDecoder();

export interface StudentMachine {
  guest: EngineInGuest;
  machine: StartMachine;
  /** Types each line into the console, waiting for the shell prompt after it (as a learner would). */
  type(text: string): Promise<void>;
  /** The console output since the last type() began, for failure messages. */
  /** What the terminal showed since the step began: its last `maxChars` characters (3000). */
  recentConsole(maxChars?: number): string;
  /** Polls the checks until they pass or `timeoutMs` runs out; resolves with the last result. */
  waitForChecks(lesson: Lesson, stepIndex: number, timeoutMs?: number): Promise<ChecksResult>;
  stop(): Promise<void>;
}

export async function startStudentMachine(): Promise<StudentMachine> {
  const guest = await startEngineInGuest({ onLog: (line) => console.warn(`[emulator] ${line}`) });
  let output = '';
  guest.console.on('message', (data: Uint8Array | string) => {
    output += typeof data === 'string' ? data : decoder.decode(data);
    if (output.length > 200_000) output = output.slice(-100_000);
  });
  const { emulator } = guest;
  const exec = async (argv: string[]) => {
    const r = await emulator.exec(argv, { timeoutMs: 300_000 });
    return { exitCode: r.exitCode, stdout: decoder.decode(r.stdout), stderr: decoder.decode(r.stderr) };
  };
  // The editor project lives in the share's work/ folder, which the guest sees as /root/app.
  const link = await exec(['sh', '-c', 'mkdir -p /mnt/host/work && { [ -e /root/app ] || ln -s /mnt/host/work /root/app; }']);
  if (link.exitCode !== 0) throw new Error(`could not link /root/app: ${link.stderr}`);
  const machine: StartMachine = {
    exec,
    engine: (method, path) => emulator.engineRequest(method, path),
    async writeProjectFiles(files, { replace }) {
      if (replace) {
        await emulator.removeSharePath('/work');
        await emulator.makeShareDirectory('/work');
      }
      for (const [path, text] of Object.entries(files)) {
        const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
        if (dir) await emulator.makeShareDirectory(`/work/${dir}`);
        await emulator.writeShareFile(`/work/${path}`, new TextEncoder().encode(text));
      }
    },
  };
  let mark = 0;
  return {
    guest,
    machine,
    async type(text) {
      mark = output.length;
      for (const line of text.split('\n')) {
        const since = output.length;
        guest.console.postMessage(`${line}\r`);
        const deadline = Date.now() + 180_000;
        // The echo of the line ends in a newline, so only the prompt printed after the command ends matches.
        while (!PROMPT.test(output.slice(since)) || !output.slice(since).includes('\n')) {
          if (Date.now() > deadline) throw new Error(`no shell prompt after typing ${JSON.stringify(line)}; console:\n${output.slice(since).slice(-1500)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    recentConsole: (maxChars = 3000) => output.slice(mark).slice(-maxChars),
    async waitForChecks(lesson, stepIndex, timeoutMs = 120_000) {
      const step = lesson.steps[stepIndex]!;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await evaluateChecks(step.checks, machine);
        if (result.ok || Date.now() > deadline) return result;
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    stop: () => guest.stop(),
  };
}

export { prepareLesson, stepFiles, stepShell };
