// The learner's project (Dockerfile, app files): reactive files and folders, the open file, change events, persistence.
import { ancestors, baseName, compareTreePaths, isInside, projectPath } from './project-paths.ts';
import type { ProjectStore } from './project-store.ts';

/** Text files by project path ("src/index.js"), plus folders that hold no file yet, plus the open file. */
export interface ProjectSnapshot {
  files: Record<string, string>;
  folders: string[];
  open: string | null;
}

/** Who made a change: the sync must not write the share's own changes back to it. */
export type ChangeOrigin = 'editor' | 'share';

export type ProjectChange =
  | { kind: 'write'; path: string; origin: ChangeOrigin }
  | { kind: 'mkdir'; path: string; origin: ChangeOrigin }
  /** a file, or a folder with everything in it */
  | { kind: 'remove'; path: string; origin: ChangeOrigin }
  /** everything replaced (reset to example, a lesson's files, the stored copy loaded) */
  | { kind: 'reset' };

export interface TreeEntry {
  path: string;
  name: string;
  folder: boolean;
  depth: number;
}

export interface ProjectOptions {
  /** Where the project survives reloads; without one it lives in memory only. */
  store?: ProjectStore;
  /** Files when nothing is stored yet, and for "Reset to example". */
  example?: Record<string, string>;
  /** Saves are coalesced over this many ms (typing would otherwise save per keystroke). */
  saveDelayMs?: number;
}

export class Project {
  files = $state.raw<ReadonlyMap<string, string>>(new Map());
  /** Folders named on their own (empty ones, or ones the learner made); folders holding files are implied. */
  folders = $state.raw<ReadonlySet<string>>(new Set());
  openPath = $state<string | null>(null);
  /** Bumped by open(): the editor pane shows itself when someone (a lesson) opens a file. */
  revealRequests = $state(0);
  /** Set when saving failed: the files are still here, but would not survive a reload. */
  saveError = $state<string | null>(null);

  readonly entries: TreeEntry[] = $derived(treeEntries(this.files, this.folders));
  readonly openContent: string | undefined = $derived(this.openPath === null ? undefined : this.files.get(this.openPath));
  /** Resolves once the stored copy (or the example) is in place. A reset() before then wins over the stored copy. */
  readonly loaded: Promise<void>;

  readonly #listeners = new Set<(change: ProjectChange) => void>();
  readonly #store: ProjectStore | undefined;
  readonly #example: Record<string, string>;
  readonly #saveDelayMs: number;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  #changedBeforeLoad = false;

  constructor(options: ProjectOptions = {}) {
    this.#store = options.store;
    this.#example = options.example ?? {};
    this.#saveDelayMs = options.saveDelayMs ?? 300;
    this.loaded = this.#load();
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  read(path: string): string | undefined {
    return this.files.get(projectPath(path));
  }

  isFolder(path: string): boolean {
    const p = projectPath(path);
    return this.folders.has(p) || [...this.files.keys()].some((f) => isInside(f, p));
  }

  /** Creates or replaces a file (parent folders are implied). */
  write(path: string, content: string, origin: ChangeOrigin = 'editor'): void {
    const p = projectPath(path);
    if (this.isFolder(p)) throw new Error(`Cannot write ${p}: it is a folder`);
    for (const a of ancestors(p)) if (this.files.has(a)) throw new Error(`Cannot write ${p}: ${a} is a file`);
    if (this.files.get(p) === content) return;
    this.files = withEntry(this.files, p, content);
    this.#emit({ kind: 'write', path: p, origin });
  }

  /** A new file; refuses a name that is taken, so a slip of the keyboard never replaces a file. */
  createFile(path: string, content = ''): string {
    const p = projectPath(path);
    if (this.files.has(p) || this.isFolder(p)) throw new Error(`${p} already exists`);
    this.write(p, content);
    return p;
  }

  createFolder(path: string, origin: ChangeOrigin = 'editor'): string {
    const p = projectPath(path);
    if (this.files.has(p)) throw new Error(`${p} already exists as a file`);
    for (const a of ancestors(p)) if (this.files.has(a)) throw new Error(`Cannot create ${p}: ${a} is a file`);
    if (this.isFolder(p)) return p;
    this.folders = new Set([...this.folders, p]);
    this.#emit({ kind: 'mkdir', path: p, origin });
    return p;
  }

  /** Renames (moves) a file or a folder with everything in it. */
  rename(from: string, to: string): string {
    const src = projectPath(from);
    const dst = projectPath(to);
    if (src === dst) return dst;
    if (isInside(dst, src)) throw new Error(`Cannot move ${src} into itself`);
    if (this.files.has(dst) || this.isFolder(dst)) throw new Error(`${dst} already exists`);
    if (this.files.has(src)) {
      const content = this.files.get(src)!;
      const wasOpen = this.openPath === src;
      this.remove(src);
      this.write(dst, content);
      if (wasOpen) this.openPath = dst;
      return dst;
    }
    if (!this.isFolder(src)) throw new Error(`No such file or folder: ${src}`);
    const moved = [...this.files].filter(([p]) => isInside(p, src));
    const movedFolders = [...this.folders].filter((f) => f === src || isInside(f, src));
    const open = this.openPath;
    this.remove(src);
    for (const f of movedFolders) this.createFolder(dst + f.slice(src.length));
    for (const [p, content] of moved) this.write(dst + p.slice(src.length), content);
    if (open !== null && isInside(open, src)) this.openPath = dst + open.slice(src.length);
    return dst;
  }

  /** Removes a file, or a folder with everything in it. A missing path is not an error. */
  remove(path: string, origin: ChangeOrigin = 'editor'): void {
    const p = projectPath(path);
    const files = new Map([...this.files].filter(([f]) => f !== p && !isInside(f, p)));
    const folders = new Set([...this.folders].filter((f) => f !== p && !isInside(f, p)));
    if (files.size === this.files.size && folders.size === this.folders.size) return;
    this.files = files;
    this.folders = folders;
    if (this.openPath !== null && !files.has(this.openPath)) this.openPath = null;
    this.#emit({ kind: 'remove', path: p, origin });
  }

  /** Shows a file in the editor (and the editor pane, if it is closed). */
  open(path: string): void {
    const p = projectPath(path);
    if (!this.files.has(p)) throw new Error(`No such file: ${p}`);
    this.openPath = p;
    this.revealRequests++;
    this.#scheduleSave();
  }

  /** Replaces the whole project, e.g. with a lesson's start files. Opens `open`, else the Dockerfile, else the first file. */
  reset(files: Record<string, string>, options: { open?: string } = {}): void {
    const map = new Map<string, string>();
    for (const [path, content] of Object.entries(files)) map.set(projectPath(path), content);
    this.#replace({ files: map, folders: new Set(), open: options.open === undefined ? null : projectPath(options.open) });
    this.#emit({ kind: 'reset' });
  }

  /** Back to the course's example project. */
  resetToExample(): void {
    this.reset(this.#example);
  }

  snapshot(): ProjectSnapshot {
    return { files: Object.fromEntries(this.files), folders: [...this.folders], open: this.openPath };
  }

  /** Listens for every change; returns the disposer. */
  onChange(listener: (change: ProjectChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Writes a pending save now (page hide). */
  async flush(): Promise<void> {
    if (this.#saveTimer === null) return;
    clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    await this.#save();
  }

  #replace(next: { files: Map<string, string>; folders: Set<string>; open: string | null }): void {
    this.files = next.files;
    this.folders = next.folders;
    const wanted = next.open !== null && next.files.has(next.open) ? next.open : null;
    this.openPath = wanted ?? (next.files.has('Dockerfile') ? 'Dockerfile' : ([...next.files.keys()].sort()[0] ?? null));
  }

  async #load(): Promise<void> {
    let stored: ProjectSnapshot | null = null;
    try {
      stored = (await this.#store?.load()) ?? null;
    } catch (error) {
      console.warn('Could not read the saved project; starting from the example:', error);
    }
    if (this.#changedBeforeLoad) return;
    if (stored) {
      this.#replace({ files: new Map(Object.entries(stored.files)), folders: new Set(stored.folders), open: stored.open });
    } else {
      this.#replace({ files: new Map(Object.entries(this.#example)), folders: new Set(), open: null });
    }
    this.#emit({ kind: 'reset' }, false);
  }

  #emit(change: ProjectChange, save = true): void {
    this.#changedBeforeLoad = true;
    if (save) this.#scheduleSave();
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        console.error('A project change listener failed:', error);
      }
    }
  }

  #scheduleSave(): void {
    if (!this.#store || this.#saveTimer !== null) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = null;
      void this.#save();
    }, this.#saveDelayMs);
  }

  async #save(): Promise<void> {
    try {
      await this.#store?.save(this.snapshot());
      this.saveError = null;
    } catch (error) {
      // The files stay in memory and the next change tries again.
      this.saveError = `Not saved in this browser: ${(error as Error).message ?? String(error)}`;
      console.warn('Saving the project failed:', error);
    }
  }
}

function withEntry(map: ReadonlyMap<string, string>, key: string, value: string): Map<string, string> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

function treeEntries(files: ReadonlyMap<string, string>, folders: ReadonlySet<string>): TreeEntry[] {
  const seen = new Map<string, boolean>();
  for (const f of folders) {
    for (const a of ancestors(f)) seen.set(a, true);
    seen.set(f, true);
  }
  for (const f of files.keys()) {
    for (const a of ancestors(f)) seen.set(a, true);
    seen.set(f, false);
  }
  return [...seen]
    .map(([path, folder]) => ({ path, folder, name: baseName(path), depth: path.split('/').length - 1 }))
    .sort(compareTreePaths);
}
