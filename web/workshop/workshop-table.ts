// A trainer's workshop table from the progress files learners export: one row per learner, one column per step of
// the lessons anyone started, grouped by course (the app's, or a lesson pack's). Pure: file texts in, tables out.
import { parseProgress, type CourseProgress } from '../course/course-progress.ts';

export interface ProgressFile {
  name: string;
  text: string;
}

/** What the trainer's page knows of a course's lessons (titles and step counts); a pack's may be unknown. */
export interface KnownLesson {
  id: string;
  title: string;
  steps: number;
}

export interface WorkshopColumn {
  lesson: string;
  title: string;
  step: number;
}

export interface WorkshopRow {
  learner: string;
  file: string;
  /** per column: passed, the step open last, or neither */
  cells: ('done' | 'here' | '')[];
  /** steps done of the columns */
  done: number;
}

export interface WorkshopTable {
  /** the pack's URL; undefined for the app's course */
  pack: string | undefined;
  columns: WorkshopColumn[];
  rows: WorkshopRow[];
}

export interface Workshop {
  tables: WorkshopTable[];
  /** files that are not progress exports, with the reason */
  refused: { file: string; message: string }[];
}

/** The learner's name: the one they gave at export, or the file's name (`ada.json` -> ada). */
function learnerName(progress: CourseProgress, file: string): string {
  return progress.learner ?? (file.replace(/\.json$/i, '').replace(/^drydock-progress-?/, '') || file);
}

export function workshopTable(files: ProgressFile[], known: (pack: string | undefined) => KnownLesson[] = () => []): Workshop {
  const refused: Workshop['refused'] = [];
  const groups = new Map<string | undefined, { file: string; progress: CourseProgress }[]>();
  for (const { name, text } of files) {
    try {
      const progress = parseProgress(text);
      const group = groups.get(progress.pack) ?? [];
      group.push({ file: name, progress });
      groups.set(progress.pack, group);
    } catch (error) {
      refused.push({ file: name, message: (error as Error).message });
    }
  }
  const tables: WorkshopTable[] = [];
  for (const [pack, entries] of groups) {
    const lessons = new Map(known(pack).map((l) => [l.id, l]));
    const started = [...new Set(entries.flatMap((e) => Object.keys(e.progress.lessons)))].sort();
    const columns: WorkshopColumn[] = [];
    for (const id of started) {
      const lesson = lessons.get(id);
      // Unknown lesson: as many steps as anyone reached (a finished learner's `step` is the recap, steps + 1).
      const reached = entries.map((e) => e.progress.lessons[id]).flatMap((p) => (p ? [...p.done, p.completed ? p.step - 1 : p.step] : []));
      const steps = lesson?.steps ?? Math.max(1, ...reached);
      for (let step = 1; step <= steps; step++) columns.push({ lesson: id, title: lesson?.title ?? id, step });
    }
    const rows = entries.map(({ file, progress }) => {
      const cells = columns.map(({ lesson, step }) => {
        const p = progress.lessons[lesson];
        if (p?.done.includes(step)) return 'done' as const;
        return p && !p.completed && p.step === step ? ('here' as const) : ('' as const);
      });
      return { learner: learnerName(progress, file), file, cells, done: cells.filter((c) => c === 'done').length };
    });
    rows.sort((a, b) => a.learner.localeCompare(b.learner));
    tables.push({ pack, columns, rows });
  }
  tables.sort((a, b) => (a.pack ?? '').localeCompare(b.pack ?? ''));
  return { tables, refused };
}
