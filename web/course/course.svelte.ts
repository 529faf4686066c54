// The course's reactive state: the lessons, the learner's progress (persisted), the route, and the open lesson.
import type { CourseProblemsLogger } from './course-types.ts';
import { emptyProgress, parseProgress, serializeProgress, type CourseProgress, type LessonProgress } from './course-progress.ts';
import { formatRoute, parseRoute, type CourseRoute } from './course-route.ts';
import { formatProblem, type Course } from './course-validate.ts';
import { LessonSession, type LessonHost } from './lesson-session.svelte.ts';
import type { PackMarkdown } from './markdown.ts';
import type { Lesson } from './lesson-types.ts';

const PROGRESS_KEY = 'drydock:course-progress';
const PACK_PROGRESS_PREFIX = 'drydock:pack-progress:';

export interface CourseOptions {
  course: Course;
  host: LessonHost;
  /** where progress survives reloads (localStorage in the app) */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  log?: CourseProblemsLogger;
  /** a step was done for the first time: the learner now has progress to lose */
  onStepDone?: () => void;
  /** a lesson pack's course: its routes carry the pack, its progress has a key of its own, its Markdown is untrusted */
  pack?: { source: string; base: string | undefined; title: string };
}

export class CourseState {
  readonly lessons: Lesson[];
  progress = $state<CourseProgress>(emptyProgress());
  route = $state.raw<CourseRoute>({ kind: 'course' });
  /** the lesson open now, with its machine state and checks */
  session = $state.raw<LessonSession | null>(null);
  importError = $state<string | null>(null);
  /** the pack this course is (its URL, or `file:<name>`); undefined for the app's own course */
  readonly pack: string | undefined;
  readonly title: string;
  /** the learner let the pack's images load (asked once per opening; no image is fetched before) */
  packImages = $state(false);
  /** how LessonView renders this course's Markdown: undefined for the app's lessons */
  readonly markdown: PackMarkdown | undefined = $derived.by(() => this.#packMarkdown(this.packImages));

  readonly #host: LessonHost;
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  readonly #onStepDone: () => void;
  readonly #progressKey: string;
  readonly #packBase: string | undefined;

  constructor(options: CourseOptions) {
    this.lessons = options.course.lessons;
    this.#host = options.host;
    this.#storage = options.storage;
    this.#onStepDone = options.onStepDone ?? (() => undefined);
    this.pack = options.pack?.source;
    this.title = options.pack?.title ?? 'Course';
    this.#packBase = options.pack?.base;
    // A pack's lessons keep their own progress: its ids may repeat the course's, and it never sees the course's.
    this.#progressKey = this.pack === undefined ? PROGRESS_KEY : `${PACK_PROGRESS_PREFIX}${this.pack}`;
    for (const p of options.course.problems) (options.log ?? console.warn)(`lesson problem: ${formatProblem(p)}`);
    try {
      const saved = this.#storage?.getItem(this.#progressKey);
      if (saved) this.progress = parseProgress(saved);
    } catch (error) {
      console.warn('Saved course progress is unreadable; starting afresh:', error);
    }
  }

  lesson(id: string): Lesson | undefined {
    return this.lessons.find((l) => l.id === id);
  }

  lessonProgress(id: string): LessonProgress {
    return this.progress.lessons[id] ?? { done: [], step: 1, completed: false };
  }

  /** Follows the URL hash: opens the lesson and step it names (a new lesson gets its starting state). */
  navigate(hash: string): void {
    const route = parseRoute(hash);
    if (route.pack !== this.pack) {
      this.route = this.#routed({ kind: 'course' });
      return;
    }
    const lesson = route.kind === 'lesson' ? this.lesson(route.id) : undefined;
    if (route.kind === 'lesson' && !lesson) {
      this.route = this.#routed({ kind: 'course' });
      return;
    }
    this.route = route;
    if (!lesson || route.kind !== 'lesson') return;
    const step = Math.min(route.step, lesson.steps.length + 1);
    if (this.session?.lesson.id !== lesson.id) {
      const previous = this.session;
      previous?.dispose();
      // Straight on from the lesson this one continues, finished here: its end state is on the machine already.
      const continuing =
        previous !== null && previous.phase === 'ready' && lesson.continues === previous.lesson.id && this.lessonProgress(previous.lesson.id).completed;
      this.session = new LessonSession(lesson, {
        host: this.#host,
        lessons: this.lessons,
        startStep: step,
        continuing,
        onStepDone: (n) => this.markDone(lesson.id, n),
        onStep: (n) => this.#openedStep(lesson, n),
        onReset: () => this.clearLesson(lesson.id),
      });
    } else {
      this.session.goTo(step);
    }
  }

  /** The hash for a route (the app sets location.hash; navigate() follows it). */
  href(route: CourseRoute): string {
    return formatRoute(this.#routed(route));
  }

  /** The learner's name in exported progress, for a trainer's workshop table. */
  setLearner(name: string): void {
    const learner = name.trim().slice(0, 80);
    const { learner: _old, ...rest } = this.progress;
    this.progress = learner === '' ? rest : { ...rest, learner };
    this.#save();
  }

  markDone(id: string, step: number): void {
    const p = this.lessonProgress(id);
    if (p.done.includes(step)) return;
    this.#update(id, { ...p, done: [...p.done, step].sort((a, b) => a - b) });
    this.#onStepDone();
  }

  /** Forgets a lesson's steps (after "Reset lesson"). */
  clearLesson(id: string): void {
    this.#update(id, { done: [], step: 1, completed: false });
  }

  exportProgress(): string {
    return serializeProgress(this.pack === undefined ? this.progress : { ...this.progress, pack: this.pack });
  }

  importProgress(text: string): void {
    try {
      const { pack, ...progress } = parseProgress(text);
      if (pack !== this.pack) throw new Error(pack === undefined ? "This progress is the app's course's, not this pack's" : `This progress is from the lesson pack ${pack}`);
      this.progress = progress;
      this.importError = null;
      this.#save();
    } catch (error) {
      this.importError = (error as Error).message;
    }
  }

  dispose(): void {
    this.session?.dispose();
    this.session = null;
  }

  #openedStep(lesson: Lesson, step: number): void {
    const p = this.lessonProgress(lesson.id);
    const completed = p.completed || step > lesson.steps.length;
    if (p.step !== step || p.completed !== completed) this.#update(lesson.id, { ...p, step, completed });
    this.route = this.#routed({ kind: 'lesson', id: lesson.id, step });
    const hash = formatRoute(this.route);
    if (globalThis.location && globalThis.location.hash !== hash) globalThis.history?.replaceState(null, '', hash);
  }

  #routed(route: CourseRoute): CourseRoute {
    return this.pack === undefined ? route : { ...route, pack: this.pack };
  }

  #packMarkdown(images: boolean): PackMarkdown | undefined {
    if (this.pack === undefined) return undefined;
    return { base: this.#packBase, images, lessonHref: (id, step) => formatRoute({ kind: 'lesson', id, step, pack: this.pack }) };
  }

  #update(id: string, value: LessonProgress): void {
    this.progress = { ...this.progress, lessons: { ...this.progress.lessons, [id]: value } };
    this.#save();
  }

  #save(): void {
    try {
      this.#storage?.setItem(this.#progressKey, serializeProgress(this.progress));
    } catch (error) {
      console.warn('Could not save course progress:', error);
    }
  }
}
