// Builds a lesson's starting state on a machine: first the end state of the lessons it `continues` (their start
// and every step's solution), then its own `start` (images pulled through the engine, project files, setup commands).
// Nothing is typed into the learner's terminal. Pure logic over a small interface (UI, Node runner and tests share it).
import type { CheckMachine } from './check-evaluator.ts';
import { continuesChain } from './course-validate.ts';
import type { Lesson, Step } from './lesson-types.ts';

export interface StartMachine extends CheckMachine {
  /** Puts files into the editor project (mirrored at /root/app); `replace` drops the files that were there. */
  writeProjectFiles(files: Record<string, string>, options: { replace: boolean }): Promise<void>;
}

export class LessonStartError extends Error {
  constructor(
    readonly lesson: Lesson,
    message: string,
  ) {
    super(`${lesson.file}: ${message}`);
    this.name = 'LessonStartError';
  }
}

/** The shell text that does a step: its solution block, or else its run blocks in order. */
export function stepShell(step: Step): string[] {
  if (step.solution !== undefined) return [step.solution];
  return step.parts.flatMap((p) => (p.kind === 'run' ? [p.code] : []));
}

/** Editor files a step writes: its editor blocks, then its solution files (later ones win). */
export function stepFiles(step: Step): Record<string, string> {
  const files: Record<string, string> = {};
  for (const part of step.parts) if (part.kind === 'editor') files[part.file] = part.code;
  for (const f of step.solutionFiles) files[f.file] = f.code;
  return files;
}

/** `docker pull` through the Engine API: POST /images/create streams JSON progress, errors included, with status 200. */
export async function pullImage(machine: CheckMachine, image: string): Promise<void> {
  const [name, tag] = splitReference(image);
  const r = await machine.engine('POST', `/images/create?fromImage=${encodeURIComponent(name)}&tag=${encodeURIComponent(tag)}`);
  const error = r.body
    .split('\n')
    .map((line) => {
      try {
        return (JSON.parse(line) as { error?: string }).error;
      } catch {
        return undefined;
      }
    })
    .find((e) => e !== undefined);
  if (r.status !== 200 || error) throw new Error(`pulling ${image} failed: ${error ?? r.body.slice(0, 200)}`);
}

function splitReference(image: string): [string, string] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
}

export interface StartProgress {
  (message: string): void;
}

/** Applies one lesson's `start`. */
export async function applyStart(lesson: Lesson, machine: StartMachine, progress: StartProgress = () => undefined): Promise<void> {
  for (const image of lesson.start.images) {
    progress(`Pulling ${image}`);
    try {
      await pullImage(machine, image);
    } catch (error) {
      throw new LessonStartError(lesson, (error as Error).message);
    }
  }
  if (lesson.start.files) {
    progress('Preparing the project files');
    await machine.writeProjectFiles(lesson.files, { replace: true });
  }
  for (const command of lesson.start.setup) {
    progress(`Setting up: ${command}`);
    const r = await machine.exec(['sh', '-c', command]);
    if (r.exitCode !== 0) throw new LessonStartError(lesson, `setup command \`${command}\` exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(-300)}`);
  }
}

/** Replays a finished lesson (for `continues`): its start, then each step's files and shell, over the control channel. */
export async function replayLesson(lesson: Lesson, machine: StartMachine, progress: StartProgress = () => undefined): Promise<void> {
  await applyStart(lesson, machine, progress);
  await replaySteps(lesson, lesson.steps.length, machine, progress);
}

/** Does the first `count` steps of a lesson over the control channel (catching up when a lesson opens at a later step). */
export async function replaySteps(lesson: Lesson, count: number, machine: StartMachine, progress: StartProgress = () => undefined): Promise<void> {
  for (const step of lesson.steps.slice(0, count)) {
    progress(`Replaying ${lesson.title}: ${step.title}`);
    const files = stepFiles(step);
    if (Object.keys(files).length > 0) await machine.writeProjectFiles(files, { replace: false });
    for (const shell of stepShell(step)) {
      // No terminal here: an interactive command gets an empty stdin. Failures do not stop the replay (a step may
      // show an error on purpose); the lesson's own checks tell whether its start is right.
      await machine.exec(['sh', '-c', shell]);
    }
  }
}

/** The whole starting state of `lesson`: the `continues` chain replayed, then its own start. */
export async function prepareLesson(lesson: Lesson, lessons: Lesson[], machine: StartMachine, progress: StartProgress = () => undefined): Promise<void> {
  for (const base of continuesChain(lesson, lessons)) await replayLesson(base, machine, progress);
  await applyStart(lesson, machine, progress);
}
