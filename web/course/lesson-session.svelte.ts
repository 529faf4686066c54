// One open lesson: its starting state on the machine (built, checkpointed, reset), the open step, the step's live
// check, and the actions of its buttons (Run, Open in editor, Show solution). Talks to the app through LessonHost.
import type { EngineResponse, ExecOptions, ExecResult } from '../../emulator/protocol.ts';
import { evaluateChecks, type CheckMachine, type CheckOutcome } from './check-evaluator.ts';
import { applyStart, prepareLesson, replaySteps, stepFiles, stepShell, type StartMachine } from './lesson-start.ts';
import type { InspectViewName, Lesson, Step } from './lesson-types.ts';
import { typeLines, type TypingTerminal } from './terminal-typing.ts';

/** What a lesson needs of the app: the machine, the editor project and the terminal. */
export interface LessonHost {
  machine: {
    readonly status: string;
    /** a new object after every boot, restart or restore */
    readonly result: object | null;
    exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
    engineRequest(method: string, path: string): Promise<EngineResponse>;
    restart(): Promise<void>;
    saveCheckpoint(): Promise<string>;
    restoreCheckpoint(id: string): Promise<void>;
  };
  project: {
    reset(files: Record<string, string>): void;
    write(path: string, content: string): void;
    open(path: string): void;
    snapshot(): { files: Record<string, string> };
  };
  /** the editor pane: the Build button's tag (null: the default) and opening the pane */
  editor: {
    setBuildTag(tag: string | null): void;
    show(): void;
  };
  /** resolves once the project is in the guest (/root/app) as the editor has it */
  syncProject(): Promise<void>;
  /** the Inspect panel: an `inspect` block opens a view on it, focused on an image or a container (absent in Node) */
  inspect?: { reveal(view: InspectViewName, focus?: string): void };
  terminal: TypingTerminal;
  /** calls `listener` whenever Enter is sent to the learner's shell (typed, pasted or typed for them); returns a disposer */
  onTerminalEnter(listener: () => void): () => void;
}

export type LessonPhase = 'waiting' | 'preparing' | 'ready' | 'resetting' | 'failed';
export type CheckState = 'none' | 'checking' | 'passed' | 'failed';
/** What the step card shows: 'waiting' is a red check before the learner tried anything (neutral, no reasons). */
export type CheckView = 'none' | 'checking' | 'waiting' | 'passed' | 'failed';

export interface StepCheck {
  state: CheckState;
  outcomes: CheckOutcome[];
  /** when the evaluation that gave this result began (Date.now()) */
  startedAt: number;
}

export interface RunClock {
  /** the run block's text (or the solution's) */
  code: string;
  startedAt: number;
  endedAt: number | null;
}

const NO_CHECK: StepCheck = { state: 'none', outcomes: [], startedAt: 0 };
const POLL_MS = 2000;
/** A check command answers in well under a second; a minute is a bound for a loaded machine, not an expectation. */
const CHECK_COMMAND_TIMEOUT_MS = 60_000;
/** the hint opens by itself when the check is still red this long after the learner's first attempt */
export const HINT_AFTER_MS = 20_000;
/** a challenge's hint also opens by itself this long after the step opened, if the check is not green by then */
export const CHALLENGE_HINT_AFTER_MS = 90_000;
const decoder = new TextDecoder();

interface Checkpoint {
  id: string;
  files: Record<string, string>;
  /** the machine boot the checkpoint belongs to (a new worker has none) */
  boot: object | null;
}

export class LessonSession {
  readonly lesson: Lesson;
  phase = $state<LessonPhase>('waiting');
  message = $state('Waiting for the machine');
  error = $state<string | null>(null);
  /** 0-based; lesson.steps.length is the recap */
  index = $state(0);
  check = $state<StepCheck>(NO_CHECK);
  /**
   * When the learner first acted on this step (Date.now()), null before: a Run or Open in editor button, Run
   * solution, or Enter in the terminal (their own command, or the editor's Build). Until then a red check is shown as
   * neutral "not done yet" without reasons; the hint's timer starts here.
   */
  attemptedAt = $state<number | null>(null);
  /** when the open step was opened (Date.now()): a challenge's hint timer runs from here */
  openedAt = $state(Date.now());
  hintShown = $state(false);
  solutionShown = $state(false);
  /** a Run or Open in editor action in progress (buttons are disabled meanwhile) */
  busy = $state(false);
  /**
   * The last run block typed on this step and how long it took (performance.now() times; `endedAt` null while its
   * command runs): the block shows the elapsed seconds, as BuildKit's progress does for a running step.
   */
  runClock = $state<RunClock | null>(null);
  lastResetMs = $state<number | null>(null);
  now = $state(Date.now());

  readonly step: Step | undefined = $derived.by(() => this.lesson.steps[this.index]);
  readonly atRecap = $derived.by(() => this.index >= this.lesson.steps.length);
  /** Red only for a check that began after the learner's first attempt; before, a neutral "not done yet". */
  readonly checkView: CheckView = $derived.by(() => {
    if (this.check.state !== 'failed') return this.check.state;
    return this.attemptedAt !== null && this.check.startedAt >= this.attemptedAt ? 'failed' : 'waiting';
  });
  readonly hintDue = $derived.by(() => {
    if (this.checkView === 'failed' && this.attemptedAt !== null && this.now - this.attemptedAt > HINT_AFTER_MS) return true;
    // A challenge has no Run button to count as an attempt: someone reading and thinking gets the hint in time too.
    const red = this.checkView === 'failed' || this.checkView === 'waiting';
    return this.step?.challenge === true && red && this.now - this.openedAt > CHALLENGE_HINT_AFTER_MS;
  });

  readonly #host: LessonHost;
  readonly #lessons: Lesson[];
  readonly #onStepDone: (step: number) => void;
  readonly #onStep: (step: number) => void;
  readonly #onReset: () => void;
  #checkpoint: Checkpoint | null = null;
  #continuing: boolean;
  #timer: ReturnType<typeof setInterval> | null = null;
  #checking = false;
  #disposed = false;
  /** the platform is typing into the terminal itself (a prompt refresh), not the learner */
  #selfTyping = false;
  readonly #stopListening: () => void;
  /** bumped when the step changes or the machine state is replaced, so late check results are dropped */
  #epoch = 0;

  constructor(
    lesson: Lesson,
    options: {
      host: LessonHost;
      lessons: Lesson[];
      startStep: number;
      /** the machine holds the end of the lesson this one continues (the learner just did it): build on it as is */
      continuing?: boolean;
      onStepDone: (step: number) => void;
      onStep: (step: number) => void;
      /** "Reset lesson" went back to the start: the lesson's ticks go with the machine state */
      onReset?: () => void;
    },
  ) {
    this.#continuing = options.continuing ?? false;
    this.lesson = lesson;
    this.#host = options.host;
    this.#lessons = options.lessons;
    this.#onStepDone = options.onStepDone;
    this.#onStep = options.onStep;
    this.#onReset = options.onReset ?? (() => undefined);
    // Run typing (busy) notes its attempt when the prompt is back, so its own Enters are not counted here.
    this.#stopListening = options.host.onTerminalEnter(() => {
      if (this.phase === 'ready' && !this.busy && !this.#selfTyping) this.noteAttempt();
    });
    this.index = Math.max(0, Math.min(options.startStep - 1, lesson.steps.length));
    // Build tags what this lesson's checks look for (lesson 06: helloworld:0.1); other lessons get the default.
    options.host.editor.setBuildTag(lesson.build?.tag ?? null);
    this.#timer = setInterval(() => {
      this.now = Date.now();
      void this.refreshCheck();
    }, POLL_MS);
    void this.prepare();
  }

  /** A command in the guest over the control channel (never the terminal), its output as text. */
  async #exec(argv: string[], timeoutMs?: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await this.#host.machine.exec(argv, timeoutMs === undefined ? {} : { timeoutMs });
    return { exitCode: r.exitCode, stdout: decoder.decode(r.stdout), stderr: decoder.decode(r.stderr) };
  }

  /** The machine as the checks see it (control channel and Engine API; never the terminal). */
  get checkMachine(): CheckMachine {
    return {
      // Bounded: a check command that never ends (a docker call stuck in the guest) must not hold the step's check
      // in "Not done yet" for good; it fails with the agent's "timed out" and the next poll tries again.
      exec: (argv) => this.#exec(argv, CHECK_COMMAND_TIMEOUT_MS),
      engine: (method, path) => this.#host.machine.engineRequest(method, path),
    };
  }

  get #startMachine(): StartMachine {
    return {
      ...this.checkMachine,
      // a lesson's start may build or pull for minutes: not bounded like a check
      exec: (argv) => this.#exec(argv),
      writeProjectFiles: async (files, { replace }) => {
        if (replace) this.#host.project.reset(files);
        else for (const [path, content] of Object.entries(files)) this.#host.project.write(path, content);
        await this.#host.syncProject();
      },
    };
  }

  /** Builds the starting state (fresh machine, `continues` chain, `start`), catches up to the open step, checkpoints. */
  async prepare(): Promise<void> {
    this.phase = 'preparing';
    this.error = null;
    this.#epoch++;
    try {
      this.message = 'Waiting for the machine';
      await this.#machineReady();
      if (this.#continuing) {
        await applyStart(this.lesson, this.#startMachine, (m) => (this.message = m));
      } else {
        this.message = 'Starting a fresh machine';
        await this.#freshMachine();
        await prepareLesson(this.lesson, this.#lessons, this.#startMachine, (m) => (this.message = m));
      }
      await this.#host.syncProject();
      this.message = 'Saving the starting point';
      const id = await this.#host.machine.saveCheckpoint();
      this.#checkpoint = { id, files: { ...this.#host.project.snapshot().files }, boot: this.#host.machine.result };
      if (this.index > 0) {
        this.message = 'Catching up to this step';
        await replaySteps(this.lesson, Math.min(this.index, this.lesson.steps.length), this.#startMachine, (m) => (this.message = m));
      }
      if (this.#disposed) return;
      this.#continuing = false;
      this.openedAt = Date.now();
      this.phase = 'ready';
      // A lesson about the project's files starts with them in view.
      if (this.lesson.start.files) this.#host.editor.show();
      this.message = '';
      this.#refreshPrompt();
      void this.refreshCheck();
    } catch (error) {
      this.#continuing = false;
      if (this.#disposed) return;
      this.phase = 'failed';
      this.error = (error as Error).message ?? String(error);
      console.warn(`Lesson ${this.lesson.id} could not start:`, error);
    }
  }

  /** "Reset lesson": back to the starting state (checkpoint restore), step 1, progress of this lesson cleared. */
  async reset(): Promise<void> {
    const checkpoint = this.#checkpoint;
    if (!checkpoint || checkpoint.boot === null) return this.prepare();
    this.phase = 'resetting';
    this.message = 'Resetting the lesson';
    this.#epoch++;
    const t0 = performance.now();
    try {
      // The project first: the editor re-attaches after the restore and makes the share equal to the project.
      this.#host.project.reset(checkpoint.files);
      await this.#host.machine.restoreCheckpoint(checkpoint.id);
      this.lastResetMs = Math.round(performance.now() - t0);
      this.#checkpoint = { ...checkpoint, boot: this.#host.machine.result };
      this.index = 0;
      this.#resetStepView();
      this.#onReset();
      this.#onStep(1);
      this.phase = 'ready';
      this.message = '';
      this.#refreshPrompt();
      void this.refreshCheck();
    } catch (error) {
      console.warn('Reset from the checkpoint failed, building the starting state again:', error);
      this.#checkpoint = null;
      this.index = 0;
      await this.prepare();
    }
  }

  goTo(stepNumber: number): void {
    const index = Math.max(0, Math.min(stepNumber - 1, this.lesson.steps.length));
    if (index === this.index) return;
    // Moving on from a step without a check counts as having read it.
    const leaving = this.step;
    if (leaving && leaving.checks.length === 0 && index > this.index) this.#onStepDone(leaving.number);
    this.index = index;
    this.#epoch++;
    this.#resetStepView();
    this.#onStep(index + 1);
    void this.refreshCheck();
  }

  next(): void {
    this.goTo(this.index + 2);
  }

  previous(): void {
    this.goTo(this.index);
  }

  /** Types a run block (or a solution) into the learner's terminal. */
  async run(code: string): Promise<void> {
    // busy: a Run pressed while another block is typed (the button is aria-disabled then, so it keeps focus)
    if (this.phase !== 'ready' || this.busy) return;
    this.busy = true;
    const clock: RunClock = { code, startedAt: performance.now(), endedAt: null };
    this.runClock = clock;
    try {
      await typeLines(this.#host.terminal, code);
    } finally {
      this.busy = false;
      // The step may have changed meanwhile (its clock is gone then): only this run's clock stops.
      if (this.runClock?.code === code && this.runClock.startedAt === clock.startedAt) this.runClock = { ...clock, endedAt: performance.now() };
    }
    // The attempt counts from here, when the prompt is back: a check red while the command still ran says nothing.
    this.noteAttempt();
    void this.refreshCheck();
  }

  /** "Open in editor": the block becomes the project's file, shown in the editor. */
  async openInEditor(file: string, code: string): Promise<void> {
    this.#host.project.write(file, code);
    this.#host.project.open(file);
    await this.#host.syncProject();
    this.noteAttempt();
    void this.refreshCheck();
  }

  /** An `inspect` block's button: the Inspect panel opens on the view, focused on what the step is about. */
  openInspect(view: InspectViewName, focus?: string): void {
    this.#host.inspect?.reveal(view, focus);
    this.noteAttempt();
  }

  /** The learner acted on the open step: from now on a red check shows its reasons, and the hint's timer runs. */
  noteAttempt(): void {
    if (this.attemptedAt !== null || this.atRecap) return;
    this.attemptedAt = Date.now();
    void this.refreshCheck();
  }

  /** The shell "Run solution" types for the open step: its solution block, or else its run blocks. */
  get solutionShell(): string {
    return this.step ? stepShell(this.step).join('\n') : '';
  }

  /** The step's solution: its files into the editor, then its shell (or run blocks) typed into the terminal. */
  async runSolution(): Promise<void> {
    const step = this.step;
    if (!step || this.busy) return;
    for (const [file, code] of Object.entries(stepFiles(step))) this.#host.project.write(file, code);
    await this.#host.syncProject();
    const shell = this.solutionShell;
    if (shell) await this.run(shell);
    else {
      this.noteAttempt();
      void this.refreshCheck();
    }
  }

  /** Evaluates the open step's check now (also polled every 2 s). */
  async refreshCheck(): Promise<void> {
    const step = this.step;
    if (this.#checking || this.#disposed || this.phase !== 'ready' || this.#host.machine.status !== 'ready') return;
    if (!step || step.checks.length === 0) {
      if (this.check.state !== 'none') this.check = NO_CHECK;
      return;
    }
    const epoch = this.#epoch;
    const startedAt = Date.now();
    this.#checking = true;
    try {
      const result = await evaluateChecks(step.checks, this.checkMachine);
      if (epoch !== this.#epoch || this.#disposed) return;
      this.check = { state: result.ok ? 'passed' : 'failed', outcomes: result.outcomes, startedAt };
      if (result.ok) this.#onStepDone(step.number);
    } finally {
      this.#checking = false;
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#stopListening();
    this.#host.editor.setBuildTag(null);
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Enter at the prompt, so it is drawn again after a restore; not the learner's attempt. */
  #refreshPrompt(): void {
    this.#selfTyping = true;
    try {
      this.#host.terminal.input('\r');
    } finally {
      this.#selfTyping = false;
    }
  }

  #resetStepView(): void {
    this.check = NO_CHECK;
    if (this.runClock?.endedAt !== null) this.runClock = null;
    this.attemptedAt = null;
    this.openedAt = Date.now();
    this.hintShown = false;
    this.solutionShown = false;
  }

  async #machineReady(): Promise<void> {
    while (this.#host.machine.status !== 'ready') {
      if (this.#disposed) throw new Error('the lesson was closed');
      if (this.#host.machine.status === 'failed') throw new Error('the machine did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A lesson without `continues` starts on a fresh machine: the boot snapshot, and no containers or volumes. */
  async #freshMachine(): Promise<void> {
    const r = await this.#host.machine.exec([
      'sh',
      '-c',
      'ids=$(docker ps -aq); [ -z "$ids" ] || docker rm -f $ids >/dev/null; vols=$(docker volume ls -q); [ -z "$vols" ] || docker volume rm $vols >/dev/null; true',
    ]);
    if (r.exitCode !== 0) console.warn('Cleaning the machine for a new lesson failed:', decoder.decode(r.stderr));
    const used = this.#host.machine.result;
    // A machine that already ran a lesson (or more) goes back to the boot snapshot.
    if (used && LessonSession.#preparedOn.has(used)) {
      await this.#host.machine.restart();
      await this.#machineReady();
    }
    const now = this.#host.machine.result;
    if (now) LessonSession.#preparedOn.add(now);
  }

  /** machine boots a lesson was prepared on (a weak set: boots come and go) */
  static readonly #preparedOn = new WeakSet<object>();
}
