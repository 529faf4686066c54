// A lesson's example outputs against what the scripted student's terminal showed (LESSON_CONSOLE=1 logs): the lines
// of a sample that the real run never printed. Volatile parts (IDs, digests, times, durations) are masked on both
// sides, so a sample may differ from a run only where the text says it will ("your digest differs").
import type { Lesson } from './lesson-types.ts';

export interface SampleMismatch {
  lesson: string;
  step: number;
  text: string;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r/g;

/** One line with what changes from run to run masked, and its spacing collapsed (columns are padded to the widest). */
export function maskVolatile(line: string): string {
  return line
    .replace(ANSI, '')
    .replace(/sha256:[0-9a-f]{6,64}(\.\.\.)?/g, 'sha256:#')
    .replace(/\b[0-9a-f]{12,64}\b/g, '#id')
    .replace(/\b(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?( [+-]\d{4})?/g, '#time')
    .replace(/\b\d{2}:\d{2}:\d{2}(\.\d+)?\b/g, '#time')
    .replace(/\b(About an?|Less than a|\d+) (second|minute|hour|day|week|month|year)s?( ago)?\b/g, '#ago')
    .replace(/\b\d+(\.\d+)?(ms|s|m)\b/g, '#dur')
    .replace(/^#\d+ \d+\.\d+ /, '#n #dur ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The fenced blocks without a language that follow a run block: a step's example outputs. */
export function sampleBlocks(lesson: Lesson): { step: number; lines: string[] }[] {
  const blocks: { step: number; lines: string[] }[] = [];
  for (const step of lesson.steps) {
    let afterRun = false;
    for (const part of step.parts) {
      if (part.kind === 'run') {
        afterRun = true;
        continue;
      }
      if (part.kind !== 'markdown' || !afterRun) continue;
      // only a fence right at the start: text between a run block and a fence is an explanation, not output
      const fence = /^\s*```[ \t]*\n([\s\S]*?)\n```/.exec(part.markdown);
      if (fence) blocks.push({ step: step.number, lines: fence[1]!.split('\n') });
      afterRun = false;
    }
  }
  return blocks;
}

/** The terminal text each step showed, from a course-lessons.test.ts log run with LESSON_CONSOLE=1. */
export function consoleByStep(log: string, lessonId: string): Map<number, string> {
  const byStep = new Map<number, string>();
  const marker = `[${lessonId}] step `;
  const clean = log.replace(ANSI, '');
  let at = clean.indexOf(marker);
  while (at >= 0) {
    const header = /^\[[^\]]+\] step (\d+): the terminal shows:\n/.exec(clean.slice(at));
    const next = clean.indexOf(marker, at + marker.length);
    if (header) {
      const body = clean.slice(at + header[0].length, next < 0 ? undefined : next);
      const step = Number(header[1]);
      byStep.set(step, `${byStep.get(step) ?? ''}${body}`);
    }
    at = next;
  }
  return byStep;
}

/** The sample lines no run of their step printed (masked). Steps the log does not cover are skipped. */
export function compareSamples(lesson: Lesson, log: string): SampleMismatch[] {
  const shown = consoleByStep(log, lesson.id);
  const mismatches: SampleMismatch[] = [];
  for (const block of sampleBlocks(lesson)) {
    const text = shown.get(block.step);
    if (text === undefined) continue;
    const printed = new Set(text.split('\n').map(maskVolatile));
    const printedText = [...printed].join('\n');
    for (const raw of block.lines) {
      const line = maskVolatile(raw);
      // `...` marks lines left out on purpose; a line may also be a prefix of a longer one on a narrow terminal
      if (!line || line === '...' || printed.has(line) || printedText.includes(line)) continue;
      mismatches.push({ lesson: lesson.id, step: block.step, text: raw });
    }
  }
  return mismatches;
}
