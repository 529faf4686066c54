// The lesson model: what lesson.md parses into (see lessons/README.md for the text format).

/** Where something is in a lesson file, for error messages (`lessons/04-layers/lesson.md:12`). */
export interface SourceLine {
  file: string;
  line: number;
}

export interface LessonProblem extends SourceLine {
  /** the front-matter key or block the problem is about, e.g. `start.images[1]` or `check[0].stdout` */
  field: string;
  message: string;
}

export const CONTAINER_STATUSES = ['created', 'running', 'paused', 'restarting', 'exited', 'dead'] as const;
export type ContainerStatus = (typeof CONTAINER_STATUSES)[number];
export const DIFF_KINDS = ['C', 'A', 'D'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

/** Fields every check item may carry. */
interface CheckCommon {
  line: number;
  /** what the learner reads while this item fails (the author's words instead of the default reason) */
  message?: string;
}

export type Check =
  | ({ kind: 'run'; run: string; exit: number; stdout?: string; stderr?: string } & CheckCommon)
  | ({ kind: 'image'; image: string; layers?: number; absent?: boolean } & CheckCommon)
  | ({ kind: 'container'; container: string; status?: ContainerStatus; exitCode?: number; oomKilled?: boolean; absent?: boolean } & CheckCommon)
  | ({ kind: 'diff'; container: string; path: string; diffKind?: DiffKind } & CheckCommon);

/** The Inspect panel's views a lesson can open. */
export const INSPECT_VIEWS = ['layers', 'container', 'processes', 'cgroups', 'network'] as const;
export type InspectViewName = (typeof INSPECT_VIEWS)[number];

/**
 * A piece of a step's text in reading order: Markdown, a run block (with a Run button), an editor block, or an
 * inspect directive (a button opening an Inspect view, focused on an image or a container).
 */
export type StepPart =
  | { kind: 'markdown'; markdown: string }
  | { kind: 'run'; lang: string; code: string; line: number }
  | { kind: 'editor'; lang: string; file: string; code: string; line: number }
  | { kind: 'inspect'; view: InspectViewName; focus?: string; label: string; line: number };

export interface Step {
  /** 1-based, as in `#/lesson/<id>/<n>` */
  number: number;
  title: string;
  line: number;
  /**
   * A `## Challenge: ...` step: the task in words, no run or editor blocks; the learner writes the commands, the
   * check reads what they did, the hint comes after a while, and the solution stays behind "Show solution".
   */
  challenge: boolean;
  parts: StepPart[];
  checks: Check[];
  hint?: string;
  /** shell lines typed instead of the run blocks */
  solution?: string;
  /** editor files written as the solution (`solution file=...` blocks) */
  solutionFiles: { file: string; code: string }[];
  /**
   * `decoy` blocks, never shown: shell lines that look like the step but do not do it (the wrong name, a bare
   * build); the scripted student runs each from the step's start and asserts the check stays red.
   */
  decoys: { code: string; line: number }[];
}

export interface LessonStart {
  images: string[];
  files: boolean;
  setup: string[];
}

/** The editor's Build button in this lesson: `docker build -t <tag> .` in /root/app. */
export interface LessonBuild {
  tag: string;
}

export interface Lesson {
  /** the slug: `04-layers` */
  id: string;
  /** position in the course, from the folder's number */
  order: number;
  file: string;
  title: string;
  summary: string;
  minutes: number;
  continues?: string;
  start: LessonStart;
  /** front matter `build:`; without it the Build button tags `app` */
  build?: LessonBuild;
  /** front matter `unchecked:`: step number -> why that step (which has a run block) has no check */
  unchecked: Record<number, string>;
  intro: string;
  steps: Step[];
  recap?: string;
  /** editor project at the start (files/), path -> content */
  files: Record<string, string>;
  /** editor project after the lesson (solution/), path -> content */
  solutionFiles: Record<string, string>;
}
