// Which course the column shows: the app's own, or a lesson pack opened by `#/pack=<url>` or from a file. Switching
// disposes the other course's open lesson; a pack with problems is not opened, its problems are shown instead.
import { parseRoute } from './course-route.ts';
import { CourseState } from './course.svelte.ts';
import { PackError, type Pack } from './pack.ts';
import type { LessonProblem } from './lesson-types.ts';

export type PackStatus =
  | { state: 'loading'; source: string }
  | { state: 'failed'; source: string; problems: LessonProblem[] }
  | { state: 'open'; pack: Pack };

export interface ShelfOptions {
  main: CourseState;
  /** a CourseState for a checked pack (the app's host, storage and callbacks) */
  openPack: (pack: Pack) => CourseState;
  /** the static registry's image names (a pack's start images must be there) */
  registryImages: () => Promise<string[]>;
  fetch?: typeof fetch;
}

const FILE_PREFIX = 'file:';
/** The fetcher and the tar reader load with the first pack: a learner who never opens one never downloads them. */
const loadPackFetch = () => import('./pack-fetch.ts');

export class CourseShelf {
  /** the course the column shows */
  course = $state.raw<CourseState>(undefined as unknown as CourseState);
  /** the pack being opened, refused or open; null for the app's course */
  pack = $state.raw<PackStatus | null>(null);

  readonly #options: ShelfOptions;
  /** packs opened from files this session, by `file:<name>` (a file cannot be fetched again after a reload) */
  readonly #files = new Map<string, Pack>();
  #opening = 0;

  constructor(options: ShelfOptions) {
    this.#options = options;
    this.course = options.main;
  }

  /** Follows the URL hash into the right course (fetching a pack the first time its URL appears). */
  async navigate(hash: string): Promise<void> {
    const source = parseRoute(hash).pack;
    if (source === this.course.pack && (source === undefined || this.pack?.state === 'open')) {
      this.course.navigate(hash);
      return;
    }
    const ticket = ++this.#opening;
    if (this.course !== this.#options.main) this.course.dispose();
    if (source === undefined) {
      this.pack = null;
      this.course = this.#options.main;
      this.course.navigate(hash);
      return;
    }
    this.#options.main.dispose();
    this.pack = { state: 'loading', source };
    let pack: Pack;
    try {
      pack = this.#files.get(source) ?? (await this.#fetch(source));
    } catch (error) {
      if (ticket !== this.#opening) return;
      const problems = error instanceof PackError ? error.problems : [{ file: source, line: 1, field: 'pack', message: (error as Error).message }];
      this.pack = { state: 'failed', source, problems };
      return;
    }
    if (ticket !== this.#opening) return;
    if (pack.problems.length > 0) {
      this.pack = { state: 'failed', source, problems: pack.problems };
      return;
    }
    this.pack = { state: 'open', pack };
    this.course = this.#options.openPack(pack);
    this.course.navigate(hash);
  }

  /** "Open a pack...": a .tar or .tar.gz from the learner's disk; returns the hash that shows it; a PackError if refused. */
  async openFile(name: string, bytes: Uint8Array): Promise<string> {
    const source = `${FILE_PREFIX}${name}`;
    const { packFromArchive } = await loadPackFetch();
    const pack = await packFromArchive(bytes, { source, display: name, images: await this.#options.registryImages() });
    if (pack.problems.length > 0) throw new PackError(pack.problems);
    this.#files.set(source, pack);
    // Opened again under the same name: the new file replaces the old (navigate would keep the old course open).
    if (this.course.pack === source) this.pack = null;
    return `#/pack=${source}`;
  }

  dispose(): void {
    this.course.dispose();
  }

  async #fetch(source: string): Promise<Pack> {
    if (source.startsWith(FILE_PREFIX)) {
      throw new PackError([{ file: source.slice(FILE_PREFIX.length), line: 1, field: 'pack', message: 'a pack opened from a file is gone after a reload: open the file again (Open a pack...)' }]);
    }
    const { fetchPack } = await loadPackFetch();
    return fetchPack(source, { images: await this.#options.registryImages(), ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}) });
  }
}
