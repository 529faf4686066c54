// Test support: a guest agent that plays the runtime's side of detached containers whose processes the test ends,
// for the daemon's unit tests (daemon/*.test.ts): what the guest was asked, and each run's exit in the test's hands.
import type { GuestExec, GuestExitStatus } from '../../../emulator/engine/runtime/guest-exec.ts';

export interface FakeRun {
  argv: string[];
  /** the container it runs (the id in its steps file's path) */
  container: string;
  pid: number;
  /** ends the run as the agent reports an exit */
  exit(status: GuestExitStatus): void;
  /** the output the run prints on stdout */
  print(text: string): void;
  readonly ended: boolean;
}

export interface FakeContainerGuest extends GuestExec {
  /** every process spawned, oldest first */
  readonly runs: FakeRun[];
  /** the signals sent with `kill -N PID` (the runtime's way for every signal but SIGKILL), in order */
  readonly signals: number[];
}

/**
 * Every guest step succeeds, the PATH probe finds an executable, drydock-init's pid file (in the bundle) names the
 * container's live run. A signal sent with `kill PID` ends that run with it unless `ignores` says the process handles
 * it; SIGKILL (a write of the container's cgroup.kill, as the runtime sends it) ends it whatever it handles.
 */
export function fakeContainerGuest(options: { ignores?: (signal: number) => boolean } = {}): FakeContainerGuest {
  const encoder = new TextEncoder();
  const ok = (stdout = '') => ({ exitCode: 0, stdout: encoder.encode(stdout), stderr: new Uint8Array() });
  const runs: FakeRun[] = [];
  const signals: number[] = [];
  // every path of a container (bundle, cgroup, steps file) carries its id
  const containerOf = (path: string) => /[0-9a-f]{64}/.exec(path)?.[0] ?? '';
  const live = (container: string) => runs.filter((r) => !r.ended && r.container === container);
  const end = (r: FakeRun | undefined, signal: number) => r?.exit({ exitCode: 128 + signal, signal });
  return {
    runs,
    signals,
    exec: async (argv) => {
      // the args[0] probe (daemon/runtime-create.ts) is one `sh -c` line per candidate path: `x` is an executable
      if (argv[0] === 'sh' && argv[1] === '-c') return ok('x\n'.repeat((argv[2] ?? '').split('\n').length));
      if (argv[0] === 'kill' && /^-\d+$/.test(argv[1] ?? '')) {
        const signal = Number(argv[1]!.slice(1));
        signals.push(signal);
        if (!options.ignores?.(signal)) end(runs.find((r) => !r.ended && String(r.pid) === argv[2]), signal);
      }
      return ok();
    },
    spawn: (argv, spawnOptions) => {
      let resolve!: (s: GuestExitStatus) => void;
      const exit = new Promise<GuestExitStatus>((r) => (resolve = r));
      const run: FakeRun = {
        argv,
        container: containerOf(argv.join(' ')),
        pid: 40 + 2 * (runs.length + 1),
        ended: false,
        exit: (s) => {
          if (run.ended) return;
          (run as { ended: boolean }).ended = true;
          resolve(s);
        },
        print: (text) => spawnOptions?.onStdout?.(encoder.encode(text)),
      };
      runs.push(run);
      return { started: Promise.resolve(run.pid - 1), exit, kill: (signal = 15) => end(run, signal) };
    },
    writeFile: async (path, data) => {
      if (path.endsWith('/cgroup.kill') && String(data).trim() === '1') live(containerOf(path)).forEach((r) => end(r, 9));
    },
    readFile: async (path) => {
      if (path.endsWith('/pid')) return encoder.encode(`${live(containerOf(path)).at(-1)?.pid ?? ''}\n`);
      return new Uint8Array();
    },
  };
}
