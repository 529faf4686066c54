// What one `docker build` shares across its stages and steps (the classic builder's Builder): the engine's stores,
// the options, progress, how a failure is reported, the stages already built, images named by FROM or
// `COPY --from`, layers unpacked to read them, and the build context, transferred once and only when needed.
import type { Stage } from '../dockerfile/index.ts';
import { EngineError } from '../errors.ts';
import { rootfsView, type RootfsView } from '../overlay/rootfs-view.ts';
import type { BuildArgs } from './build-args.ts';
import type { BuilderDeps, BuildOptions, ContextSource } from './build.ts';
import { parseDockerignore } from './dockerignore.ts';
import type { BuiltLayer } from './layer.ts';
import { buildSize } from './progress.ts';
import type { ContextTree } from './source-tree.ts';
import type { StageState } from './stage-state.ts';
import { cachedStep, type StepOutput } from './step-cache.ts';
import type { Progress, Vertex } from './vertex.ts';

/** Lines of the Dockerfile a failure points at (BuildKit prints them as the excerpt). */
export interface SourceLines {
  startLine: number;
  endLine: number;
}

/** Reports a failed build (the summary event) and throws its BuildError. */
export type FailBuild = (message: string, at?: SourceLines, vertex?: Vertex) => never;

/** Layers that can be unpacked once and read merged: a stage's, or an image's named by `COPY --from`. */
export interface LayerHolder {
  layers: BuiltLayer[];
  dirs?: string[];
}

export interface BuildSessionInit {
  deps: BuilderDeps;
  source: ContextSource;
  options: BuildOptions;
  progress: Progress;
  fail: FailBuild;
  /** every stage of the Dockerfile (FROM and `COPY --from` name them by name or index) */
  stages: readonly Stage[];
  args: BuildArgs;
}

export class BuildSession {
  readonly deps: BuilderDeps;
  readonly options: BuildOptions;
  readonly progress: Progress;
  readonly fail: FailBuild;
  readonly stages: readonly Stage[];
  readonly args: BuildArgs;
  readonly now: () => Date;
  /** stages built so far, for `FROM <stage>` and `COPY --from=<stage>` */
  readonly done = new Map<Stage, StageState>();
  readonly #source: ContextSource;
  #ignoreText = '';
  #context: ContextTree | undefined;

  constructor(init: BuildSessionInit) {
    this.deps = init.deps;
    this.#source = init.source;
    this.options = init.options;
    this.progress = init.progress;
    this.fail = init.fail;
    this.stages = init.stages;
    this.args = init.args;
    this.now = init.deps.now ?? (() => new Date());
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** The `[internal] load .dockerignore` vertex; its patterns apply when the context is loaded. */
  async loadDockerignore(): Promise<void> {
    const v = this.progress.vertex('[internal] load .dockerignore');
    this.#ignoreText = (await this.#source.dockerignore()) ?? '';
    v.status(`transferring context: ${buildSize(this.#ignoreText.length)}`);
    v.done();
  }

  /** The build context, transferred at the first call (`[internal] load build context`). */
  async context(): Promise<ContextTree> {
    if (this.#context) return this.#context;
    const v = this.progress.vertex('[internal] load build context');
    this.#context = await this.#source.load(parseDockerignore(this.#ignoreText));
    v.status(`transferring context: ${buildSize(this.#context.size())}`);
    v.done();
    return this.#context;
  }

  /** The holder's layers unpacked into the share (once), lowest first. */
  async unpack(holder: LayerHolder): Promise<string[]> {
    if (!holder.dirs) holder.dirs = await this.deps.images.unpackLayers(holder.layers, this.signal);
    return holder.dirs;
  }

  /** The holder's file system, merged from its unpacked layers. */
  async view(holder: LayerHolder): Promise<RootfsView> {
    return rootfsView(this.deps.fs, [...(await this.unpack(holder))].reverse());
  }

  /** An image named by FROM or COPY --from (pulled when missing): its layers with diffIDs, its config. */
  async image(ref: string) {
    const images = this.deps.images;
    let record = images.find(ref);
    if (!record) {
      await images.pull(ref, this.signal ? { signal: this.signal } : {});
      record = images.find(ref);
    }
    if (!record) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
    const config = await images.config(record.id);
    const layers: BuiltLayer[] = record.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, diffId: l.diffId }));
    return { id: record.id, config, layers };
  }

  /** A filesystem step of `st`, through the build cache (step-cache.ts). */
  step(st: StageState, v: Vertex, key: string, make: () => Promise<StepOutput>, createdBy: string): Promise<void> {
    const { cache, content } = this.deps;
    return cachedStep({ cache, content, now: this.now, noCache: this.options.noCache }, st, v, key, make, createdBy);
  }
}
