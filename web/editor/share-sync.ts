// Two-way sync between the project and a folder of the machine's 9p share (work/ = /mnt/host/work = /root/app).
//
// Editor changes are written to the share after a short delay; the share is polled for changes made in the guest
// (content hashes from the worker, compared with the last state both sides agreed on). A path with an editor change
// still waiting to be written keeps the editor's version: what the learner typed is never overwritten by a poll.
import type { ShareTreeEntry, ShareTreeOptions } from '../../emulator/protocol.ts';
import { ancestors, isInside } from './project-paths.ts';
import type { Project, ProjectChange } from './project.svelte.ts';

/** The slice of ShareFiles (web/share-files.ts) the sync uses; paths are share-relative. */
export interface SyncShare {
  tree(path: string, options?: ShareTreeOptions): Promise<ShareTreeEntry[]>;
  read(path: string): Promise<Uint8Array>;
  write(path: string, data: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
}

export interface ShareSyncOptions {
  /** share folder holding the project */
  root?: string;
  /** names never synced from the guest (dependency folders the learner did not write) */
  exclude?: string[];
  /** editor changes are written this long after the last one */
  writeDelayMs?: number;
  onError?: (error: unknown) => void;
  /** after every cycle that worked (a failure before may have been passing) */
  onSynced?: () => void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class ShareSync {
  readonly #project: Project;
  readonly #share: SyncShare;
  readonly #root: string;
  readonly #exclude: string[];
  readonly #writeDelayMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onSynced: () => void;
  /** path -> "file:<hash>" / "directory": the share as last seen and agreed with the project */
  readonly #base = new Map<string, string>();
  /** editor changes not yet written to the share */
  readonly #dirty = new Set<string>();
  /** the whole share folder must be made equal to the project (a new machine, a reset) */
  #full = true;
  /** bumped by resets: a cycle that started before one must not apply what it read */
  #generation = 0;
  #running: Promise<void> = Promise.resolve();
  #writeTimer: ReturnType<typeof setTimeout> | null = null;
  #pollTimer: ReturnType<typeof setInterval> | null = null;
  #disposed = false;
  readonly #unsubscribe: () => void;

  constructor(project: Project, share: SyncShare, options: ShareSyncOptions = {}) {
    this.#project = project;
    this.#share = share;
    this.#root = options.root ?? 'work';
    this.#exclude = options.exclude ?? ['node_modules', '.git'];
    this.#writeDelayMs = options.writeDelayMs ?? 250;
    this.#onError = options.onError ?? ((error) => console.warn('Editor sync with the machine failed:', error));
    this.#onSynced = options.onSynced ?? (() => undefined);
    this.#unsubscribe = project.onChange((change) => this.#changed(change));
  }

  /** Share path of a project path. */
  sharePath(path: string): string {
    return `${this.#root}/${path}`;
  }

  /** One cycle: write pending editor changes, then take in the guest's. Cycles never overlap. */
  sync(): Promise<void> {
    const next = this.#running.then(() => this.#cycle());
    this.#running = next.then(
      () => {
        if (!this.#disposed) this.#onSynced();
      },
      (error: unknown) => {
        if (!this.#disposed) this.#onError(error);
      },
    );
    return next;
  }

  /** Polls every `ms` (null stops polling). */
  poll(ms: number | null): void {
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#pollTimer = ms === null ? null : setInterval(() => void this.sync().catch(() => undefined), ms);
  }

  dispose(): void {
    this.#disposed = true;
    this.poll(null);
    if (this.#writeTimer !== null) clearTimeout(this.#writeTimer);
    this.#unsubscribe();
  }

  #changed(change: ProjectChange): void {
    if (change.kind === 'reset') {
      this.#full = true;
      this.#generation++;
    } else if (change.origin === 'editor') {
      this.#dirty.add(change.path);
    } else {
      return;
    }
    if (this.#writeTimer !== null) clearTimeout(this.#writeTimer);
    this.#writeTimer = setTimeout(() => {
      this.#writeTimer = null;
      void this.sync().catch(() => undefined);
    }, this.#writeDelayMs);
  }

  async #cycle(): Promise<void> {
    if (this.#disposed) return;
    const full = this.#full;
    const pending = [...this.#dirty];
    let written: Set<string>;
    try {
      written = full ? await this.#pushAll() : await this.#pushDirty();
    } catch (error) {
      // Nothing is dropped: what was to be written is written again next cycle (the project still has it all).
      if (full) this.#full = true;
      for (const path of pending) this.#dirty.add(path);
      throw error;
    }
    await this.#pull(written);
  }

  /** Makes the share folder equal to the project: removes what the project lacks, writes every file. */
  async #pushAll(): Promise<Set<string>> {
    this.#full = false;
    this.#dirty.clear();
    this.#base.clear();
    const project = this.#project;
    const tree = await this.#share.tree(this.#root, { exclude: this.#exclude });
    let removed: string | null = null;
    for (const entry of tree) {
      if (removed !== null && isInside(entry.path, removed)) continue;
      const keep = entry.type === 'directory' ? project.isFolder(entry.path) : entry.type === 'file' && project.has(entry.path);
      if (!keep) {
        await this.#share.remove(this.sharePath(entry.path));
        removed = entry.path;
      }
    }
    await this.#share.mkdir(this.#root);
    const written = new Set<string>();
    for (const folder of project.folders) {
      await this.#share.mkdir(this.sharePath(folder));
      written.add(folder);
    }
    for (const [path, content] of project.files) {
      await this.#share.write(this.sharePath(path), content);
      written.add(path);
    }
    return written;
  }

  async #pushDirty(): Promise<Set<string>> {
    const paths = [...this.#dirty].sort();
    this.#dirty.clear();
    const written = new Set<string>();
    for (const path of paths) {
      const content = this.#project.files.get(path);
      if (content !== undefined) {
        await this.#share.write(this.sharePath(path), content);
      } else if (this.#project.isFolder(path)) {
        await this.#share.mkdir(this.sharePath(path));
      } else {
        await this.#share.remove(this.sharePath(path));
        // Whatever the share had in there is gone too.
        for (const p of this.#base.keys()) if (isInside(p, path)) written.add(p);
      }
      written.add(path);
      for (const a of ancestors(path)) written.add(a);
    }
    return written;
  }

  async #pull(written: Set<string>): Promise<void> {
    const generation = this.#generation;
    const tree = await this.#share.tree(this.#root, { exclude: this.#exclude });
    if (generation !== this.#generation) return;
    const now = new Map<string, string>();
    for (const e of tree) {
      if (e.type === 'file') now.set(e.path, `file:${e.hash ?? `${e.size}:${e.mtime}`}`);
      else if (e.type === 'directory') now.set(e.path, 'directory');
    }
    if (now.size === 0 && this.#project.files.size > 0 && this.#base.size > 0) {
      // The folder vanished as a whole (a machine that started over, `rm -rf` of the share): put the project back
      // rather than delete every file of it.
      this.#full = true;
      return;
    }
    for (const path of written) {
      if (this.#dirty.has(path)) continue;
      const sig = now.get(path);
      if (sig === undefined) this.#base.delete(path);
      else this.#base.set(path, sig);
    }
    const paths = [...new Set([...now.keys(), ...this.#base.keys()])].sort();
    for (const path of paths) {
      const sig = now.get(path);
      if (sig === this.#base.get(path)) continue;
      if (this.#waitingToWrite(path)) continue;
      if (sig === undefined) {
        this.#base.delete(path);
        if (this.#project.has(path) || this.#project.isFolder(path)) this.#project.remove(path, 'share');
        continue;
      }
      if (sig === 'directory') {
        if (this.#project.has(path)) this.#project.remove(path, 'share');
        this.#project.createFolder(path, 'share');
        this.#base.set(path, sig);
        continue;
      }
      const bytes = await this.#share.read(this.sharePath(path));
      if (generation !== this.#generation) return;
      if (this.#waitingToWrite(path)) continue;
      const text = decodeText(bytes);
      this.#base.set(path, sig);
      // Binary files (a compiled program, an image) stay in the share; the editor only holds text.
      if (text === null) continue;
      if (this.#project.isFolder(path)) this.#project.remove(path, 'share');
      try {
        this.#project.write(path, text, 'share');
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** An editor change to this path (or a folder around it) is still to be written. */
  #waitingToWrite(path: string): boolean {
    if (this.#full) return true;
    if (this.#dirty.has(path)) return true;
    return ancestors(path).some((a) => this.#dirty.has(a));
  }
}

function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}
