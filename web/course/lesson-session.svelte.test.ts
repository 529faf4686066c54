// The open lesson against a fake app: a red check stays neutral until the learner acts, the hint's timer starts at
// the first attempt, and "Reset lesson" clears the lesson's ticks (fake machine, terminal and project; fake clock).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StartResult } from '../../emulator/protocol.ts';
import { CourseState } from './course.svelte.ts';
import { parseLesson } from './lesson-parser.ts';
import { CHALLENGE_HINT_AFTER_MS, HINT_AFTER_MS, type LessonHost } from './lesson-session.svelte.ts';

const LESSON = `---
title: Session lesson
summary: For the session's unit tests.
minutes: 1
build: { tag: session:0.1 }
start:
  files: true
---
## Make a file

\`\`\`sh run
touch /tmp/made
\`\`\`

\`\`\`check
- run: ls /tmp
  stdout: ^made$
\`\`\`

\`\`\`hint
Press Run.
\`\`\`

## Read

No check here.

## Challenge: Again

Make the file \`again\` in /tmp yourself.

\`\`\`check
- run: ls /tmp
  stdout: ^again$
\`\`\`

\`\`\`hint
touch it.
\`\`\`

\`\`\`solution
touch /tmp/again
\`\`\`
`;

const encoder = new TextEncoder();

class FakeHost implements LessonHost {
  made = false;
  stuck = false;
  typed: string[] = [];
  resets = 0;
  #enter = new Set<() => void>();
  machine = {
    status: 'ready',
    result: {} as StartResult as object,
    exec: async (argv: string[], options?: { timeoutMs?: number }) => {
      const script = argv[2] ?? '';
      // a command stuck in the guest: the agent kills it at the caller's bound (none: it never answers)
      if (this.stuck && script === 'ls /tmp') {
        return new Promise<never>((_, reject) => {
          if (options?.timeoutMs !== undefined) setTimeout(() => reject(new Error(`command timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
        });
      }
      const out = script === 'ls /tmp' && this.made ? 'made\n' : '';
      return { exitCode: 0, stdout: encoder.encode(out), stderr: new Uint8Array() };
    },
    engineRequest: async () => ({ status: 404, body: '{}' }),
    restart: async () => undefined,
    saveCheckpoint: async () => 'cp-1',
    restoreCheckpoint: async () => {
      this.resets++;
      this.made = false;
      this.machine.result = {};
    },
  };
  project = { reset: () => undefined, write: () => undefined, open: () => undefined, snapshot: () => ({ files: {} }) };
  buildTag: string | null = null;
  editorShown = 0;
  editor = {
    setBuildTag: (tag: string | null) => void (this.buildTag = tag),
    show: () => void this.editorShown++,
  };
  syncProject = async (): Promise<void> => undefined;
  terminal = {
    input: (text: string) => {
      this.typed.push(text);
      // like xterm's onData: text typed for the learner reaches the same listeners as their keys
      if (text.includes('\r')) for (const l of this.#enter) l();
      if (text.includes('touch /tmp/made')) this.made = true;
    },
    cursorLine: () => '/ # ',
  };
  onTerminalEnter(listener: () => void): () => void {
    this.#enter.add(listener);
    return () => this.#enter.delete(listener);
  }
  /** the learner types a command and presses Enter */
  enter(): void {
    for (const l of this.#enter) l();
  }
}

function open(host: FakeHost) {
  const parsed = parseLesson({ folder: '01-session', file: 'lessons/01-session/lesson.md', text: LESSON, files: { 'README.txt': 'hello\n' } });
  expect(parsed.problems).toEqual([]);
  const storage = new Map<string, string>();
  const course = new CourseState({
    course: { lessons: [parsed.lesson!], problems: [] },
    host,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
  });
  course.navigate('#/lesson/01-session/1');
  return { course, session: course.session! };
}

describe('LessonSession', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows a red check as neutral until the learner acts, then red with reasons; the hint waits for an attempt', async () => {
    const host = new FakeHost();
    const { course, session } = open(host);
    await vi.advanceTimersByTimeAsync(10);
    expect(session.phase).toBe('ready');
    // The prompt refresh after the start is not the learner's attempt.
    expect(host.typed).toEqual(['\r']);
    expect(session.check.state).toBe('failed');
    expect(session.checkView).toBe('waiting');

    // Reading for a long time neither turns it red nor opens the hint.
    await vi.advanceTimersByTimeAsync(HINT_AFTER_MS * 2);
    expect(session.checkView).toBe('waiting');
    expect(session.hintDue).toBe(false);

    // A command typed in the terminal (not what the step asks) is an attempt: the next check is red and says why.
    host.enter();
    expect(session.attemptedAt).not.toBeNull();
    await vi.advanceTimersByTimeAsync(10);
    expect(session.checkView).toBe('failed');
    expect(session.check.outcomes[0]?.reason).toBe('the output of `ls /tmp` does not show what this step makes yet');
    expect(session.hintDue).toBe(false);
    await vi.advanceTimersByTimeAsync(HINT_AFTER_MS + 2000);
    expect(session.hintDue).toBe(true);

    course.dispose();
  });

  it('bounds a check command that never answers: the check goes red, is tried again, and turns green', async () => {
    const host = new FakeHost();
    const { course, session } = open(host);
    await vi.advanceTimersByTimeAsync(10);
    expect(session.phase).toBe('ready');
    host.stuck = true;
    host.enter();
    host.terminal.input('touch /tmp/made\r');
    await vi.advanceTimersByTimeAsync(65_000);
    expect(session.check.state).toBe('failed');
    expect(session.check.outcomes[0]?.detail).toMatch(/could not check: command timed out after 60000 ms/);
    host.stuck = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.check.state).toBe('passed');
    course.dispose();
  });

  it('counts a Run from when its prompt is back, and starts the next step neutral again', async () => {
    const host = new FakeHost();
    const { course, session } = open(host);
    await vi.advanceTimersByTimeAsync(10);
    const running = session.run('touch /tmp/made');
    // typing is in progress: its own Enter is not the attempt yet
    expect(session.attemptedAt).toBeNull();
    await vi.advanceTimersByTimeAsync(500);
    await running;
    expect(session.attemptedAt).not.toBeNull();
    await vi.advanceTimersByTimeAsync(10);
    expect(session.checkView).toBe('passed');
    expect(course.lessonProgress('01-session').done).toEqual([1]);

    session.next();
    expect(session.attemptedAt).toBeNull();
    expect(session.checkView).toBe('none');
    course.dispose();
  });

  it("sets the Build button's tag while the lesson is open and opens the editor for a lesson with project files", async () => {
    const host = new FakeHost();
    const { course } = open(host);
    expect(host.buildTag).toBe('session:0.1');
    expect(host.editorShown).toBe(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(host.editorShown).toBe(1);
    course.dispose();
    expect(host.buildTag).toBeNull();
  });

  it('"Reset lesson" clears the ticks along with the machine state', async () => {
    const host = new FakeHost();
    const { course, session } = open(host);
    await vi.advanceTimersByTimeAsync(10);
    host.made = true;
    await vi.advanceTimersByTimeAsync(2000);
    expect(session.checkView).toBe('passed');
    session.next();
    expect(course.lessonProgress('01-session').done).toEqual([1]);

    await session.reset();
    expect(host.resets).toBe(1);
    expect(session.index).toBe(0);
    expect(course.lessonProgress('01-session')).toEqual({ done: [], step: 1, completed: false });
    await vi.advanceTimersByTimeAsync(10);
    expect(session.checkView).toBe('waiting');
    course.dispose();
  });

  it("opens a challenge's hint by itself after a while, even before the learner tries anything", async () => {
    const host = new FakeHost();
    const { course, session } = open(host);
    await vi.advanceTimersByTimeAsync(10);
    session.goTo(3);
    expect(session.step?.challenge).toBe(true);
    await vi.advanceTimersByTimeAsync(CHALLENGE_HINT_AFTER_MS - 5000);
    expect(session.checkView).toBe('waiting');
    expect(session.hintDue).toBe(false);
    await vi.advanceTimersByTimeAsync(7000);
    expect(session.hintDue).toBe(true);
    // The solution is what Show solution runs (and only then typed).
    expect(session.solutionShell).toBe('touch /tmp/again');
    course.dispose();
  });

  it("keeps a Run block's clock while its command runs and stops it when the prompt is back", async () => {
    const host = new FakeHost();
    const { course, session } = open(host);
    await vi.advanceTimersByTimeAsync(10);
    const running = session.run('touch /tmp/made');
    expect(session.runClock).toMatchObject({ code: 'touch /tmp/made', endedAt: null });
    await vi.advanceTimersByTimeAsync(500);
    await running;
    const clock = session.runClock!;
    expect(clock.endedAt).not.toBeNull();
    expect(clock.endedAt!).toBeGreaterThanOrEqual(clock.startedAt);
    // Another step starts without a clock.
    session.next();
    expect(session.runClock).toBeNull();
    course.dispose();
  });
});
