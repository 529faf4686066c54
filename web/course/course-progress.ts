// The learner's progress through the course: steps passed per lesson, where they were, lessons finished.
// Plain data (JSON in localStorage, exported and imported as a file), validated on the way in.

export interface LessonProgress {
  /** step numbers whose check passed (or that were read, for steps without a check) */
  done: number[];
  /** the step open last (1-based; steps + 1 is the recap) */
  step: number;
  completed: boolean;
}

export interface CourseProgress {
  format: 'drydock-progress';
  version: 1;
  /** the learner's name, given for a workshop (the trainer's table names rows by it) */
  learner?: string;
  /** the lesson pack these lessons are from (its URL); absent for the app's own course */
  pack?: string;
  lessons: Record<string, LessonProgress>;
}

export function emptyProgress(): CourseProgress {
  return { format: 'drydock-progress', version: 1, lessons: {} };
}

/** Parses exported progress; throws an Error that says what is wrong (shown to the learner on import). */
export function parseProgress(text: string): CourseProgress {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('The file is not JSON: is it a drydock progress export?');
  }
  const d = data as Partial<CourseProgress> | null;
  if (!d || typeof d !== 'object' || d.format !== 'drydock-progress') throw new Error('The file is not a drydock progress export');
  if (d.version !== 1) throw new Error(`Progress version ${String(d.version)} is not supported (this app reads version 1)`);
  const lessons: Record<string, LessonProgress> = {};
  for (const [id, value] of Object.entries(d.lessons ?? {})) {
    if (!/^\d{2}-[a-z0-9-]+$/.test(id)) continue;
    const v = value as Partial<LessonProgress> | null;
    if (!v || typeof v !== 'object') continue;
    const done = Array.isArray(v.done) ? [...new Set(v.done.filter((n): n is number => Number.isInteger(n) && n > 0 && n < 1000))].sort((a, b) => a - b) : [];
    const step = Number.isInteger(v.step) && (v.step as number) > 0 && (v.step as number) < 1000 ? (v.step as number) : 1;
    lessons[id] = { done, step, completed: v.completed === true };
  }
  const words = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 2000) : undefined);
  const learner = words(d.learner)?.slice(0, 80);
  const pack = words(d.pack);
  return { format: 'drydock-progress', version: 1, ...(learner ? { learner } : {}), ...(pack ? { pack } : {}), lessons };
}

export function serializeProgress(progress: CourseProgress): string {
  return `${JSON.stringify(progress, null, 2)}\n`;
}

/** Fraction of a lesson's steps done, 0..1. */
export function lessonFraction(progress: CourseProgress, id: string, steps: number): number {
  const p = progress.lessons[id];
  if (!p) return 0;
  if (p.completed) return 1;
  return steps === 0 ? 0 : Math.min(1, p.done.filter((n) => n <= steps).length / steps);
}
