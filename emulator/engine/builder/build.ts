// `docker build`: a parsed Dockerfile's stages interpreted step by step (BuildKit's semantics), each filesystem
// step cached by key or run (RUN in a build container, COPY/ADD/WORKDIR made in TypeScript), metadata applied to
// the image config, and the target stage exported as an OCI image with `addImage`. Progress as BuildKit's.
import type { ContentStore } from '../store/content-store.ts';
import { type Digest, parseDigest } from '../oci/digest.ts';
import { expandInstruction, expandWord, hasErrors, parseDockerfile } from '../dockerfile/index.ts';
import type { ArgInstruction, CopyInstruction, Diagnostic, Instruction, ParsedDockerfile, Stage } from '../dockerfile/index.ts';
import { EngineError } from '../errors.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import type { ImageStore } from '../images/image-store.ts';
import { MediaType } from '../oci/media-types.ts';
import type { ContainerConfig, HistoryEntry, ImageConfig, ImageManifest } from '../oci/oci-types.ts';
import { parseDockerRef, referenceString } from '../registry/reference.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { BuildCache, cacheKey } from './cache.ts';
import { planCopy } from './copy.ts';
import { parseDockerignore } from './dockerignore.ts';
import {
  baseContainerConfig, commandArgs, DEFAULT_SHELL, EnvList, exposedPort, exposeHistory, goQuoteList, healthcheckHistory, resolveWorkdir, runHistory,
} from './image-config.ts';
import { layerTar, storeLayer, withParents, type BuiltLayer, type LayerEntry } from './layer.ts';
import { buildSize, seconds, sourceExcerpt, type BuildEvent } from './progress.ts';
import { rootfsView, type RootfsView } from '../overlay/rootfs-view.ts';
import { cancelled, RunFailed, runStep } from './run-step.ts';
import { imageTree, type ContextTree, type SourceTree } from './source-tree.ts';

/** Where the build context and Dockerfile come from (the share read in JS, or a tar the guest wrote). */
export interface ContextSource {
  /** the Dockerfile's text; `name` as BuildKit prints it (`Dockerfile`) */
  dockerfile(): Promise<{ name: string; text: string }>;
  dockerignore(): Promise<string | undefined>;
  load(ignore: ReturnType<typeof parseDockerignore>): Promise<ContextTree>;
}

export interface BuildOptions {
  tags: string[];
  /** --build-arg values, in order; undefined = take it from the client's environment (already resolved by the CLI) */
  buildArgs: [string, string][];
  noCache: boolean;
  target?: string;
  signal?: AbortSignal;
}

export interface BuilderDeps {
  images: ImageStore;
  content: ContentStore;
  cache: BuildCache;
  /** the share as a GuestFs, where layers are unpacked and the guest writes tars */
  fs: GuestFs;
  shareMount: string;
  guest: GuestExec;
  now?: () => Date;
}

/** A build that stopped: the message is what follows `ERROR: failed to solve: `. */
export class BuildError extends EngineError {}

interface StageState {
  stage: Stage;
  /** `[builder 2/4] ` or `[2/4] ` without the numbers */
  prefix: string;
  total: number;
  index: number;
  layers: BuiltLayer[];
  config: ContainerConfig;
  /** config.Env by key (config.Env is its `entries`) */
  env: EnvList;
  history: HistoryEntry[];
  /** ARGs in effect: declared in this stage, with their values */
  args: Map<string, string | undefined>;
  shell: string[];
  cmdSet: boolean;
  key: string;
  /** time of the last filesystem step, reused in history so an unchanged rebuild gives the same image */
  time: string;
  dirs?: string[];
  imageRef?: string;
}

class Progress {
  #n = 0;
  constructor(readonly emit: (e: BuildEvent) => void) {}
  vertex(name: string): Vertex {
    const n = ++this.#n;
    this.emit({ type: 'vertex', n, name });
    return new Vertex(this.emit, n, name);
  }
}

class Vertex {
  readonly start = performance.now();
  readonly tail: string[] = [];
  #partial = '';
  constructor(
    private readonly emit: (e: BuildEvent) => void,
    readonly n: number,
    readonly name: string,
  ) {}
  get elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }
  status(text: string, done = true, secs?: number): void {
    this.emit({ type: 'status', n: this.n, text, done, ...(secs !== undefined ? { seconds: secs } : {}) });
  }
  log(bytes: Uint8Array): void {
    const text = new TextDecoder().decode(bytes);
    const s = this.elapsed;
    this.emit({ type: 'log', n: this.n, text, seconds: s });
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const l of lines) this.tail.push(`${s.toFixed(3)} ${l}`);
    if (this.tail.length > 10) this.tail.splice(0, this.tail.length - 10);
  }
  cached(): void {
    this.emit({ type: 'cached', n: this.n });
  }
  done(): void {
    this.emit({ type: 'done', n: this.n, seconds: seconds(performance.now() - this.start) });
  }
  error(message: string): void {
    if (this.#partial) this.tail.push(`${this.elapsed.toFixed(3)} ${this.#partial}`);
    this.emit({ type: 'error', n: this.n, message });
  }
}

/** Stage names and indexes a stage needs (FROM <stage>, COPY --from=<stage>). */
function dependencies(stage: Stage, stages: readonly Stage[], meta: (w: string) => string): Stage[] {
  const find = (ref: string) => stages.find((s, i) => i < stage.index && (s.name === ref.toLowerCase() || String(i) === ref));
  const out: Stage[] = [];
  const base = find(meta(stage.base));
  if (base) out.push(base);
  for (const i of stage.instructions) {
    if ((i.kind === 'copy' || i.kind === 'add') && i.from !== undefined) {
      const s = find(meta(i.from));
      if (s) out.push(s);
    }
  }
  return out;
}

/** `node` -> `docker.io/library/node:latest`, as BuildKit names images in its progress. */
function fullRef(name: string): string {
  return referenceString(parseDockerRef(name));
}

function dockerfileError(d: Diagnostic): string {
  return `dockerfile parse error on line ${d.range.startLine}: ${d.message}`;
}

export async function build(deps: BuilderDeps, source: ContextSource, options: BuildOptions, emit: (e: BuildEvent) => void): Promise<Digest> {
  const progress = new Progress(emit);
  const now = deps.now ?? (() => new Date());
  const signal = options.signal;

  const def = progress.vertex('[internal] load build definition from Dockerfile');
  const { name: dockerfileName, text } = await source.dockerfile();
  def.status(`transferring dockerfile: ${buildSize(new TextEncoder().encode(text).length)}`);
  const parsed: ParsedDockerfile = parseDockerfile(text, { file: dockerfileName });
  // BuildKit's lint warnings: in the definition's vertex now, and summed up at the end.
  const warnings = parsed.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code ?? 'Warning'}: ${d.message} (line ${d.range.startLine})`);
  for (const w of warnings) def.status(`WARN: ${w}`, false);
  def.done();
  const fail = (message: string, at?: { startLine: number; endLine: number }, vertex?: Vertex): never => {
    emit({
      type: 'failed',
      ...(vertex ? { vertex: vertex.name, logTail: vertex.tail } : { logTail: [] }),
      ...(at ? { excerpt: sourceExcerpt(dockerfileName, text, at.startLine, at.endLine) } : {}),
      message,
    });
    throw new BuildError('INVALID_ARGUMENT', message);
  };
  if (hasErrors(parsed)) {
    const d = parsed.diagnostics.find((x) => x.severity === 'error') as Diagnostic;
    fail(dockerfileError(d), { startLine: d.range.startLine, endLine: d.range.endLine });
  }
  if (parsed.stages.length === 0) fail('the Dockerfile has no FROM instruction, so there is nothing to build');

  // Build args: the ones a meta ARG or a stage ARG declares are consumed; the rest get Docker's warning.
  const given = new Map(options.buildArgs);
  const consumed = new Set<string>();
  const metaValues = new Map<string, string | undefined>();
  for (const a of parsed.metaArgs) {
    for (const decl of expandInstruction(a, Object.fromEntries([...metaValues].filter(([, v]) => v !== undefined)) as Record<string, string>).args) {
      if (given.has(decl.name)) consumed.add(decl.name);
      metaValues.set(decl.name, given.get(decl.name) ?? decl.defaultValue);
    }
  }
  const metaEnv = Object.fromEntries([...metaValues].filter((e): e is [string, string] => e[1] !== undefined));
  const meta = (word: string) => expandWord(word, metaEnv);

  const target = options.target
    ? parsed.stages.find((s) => s.name === options.target?.toLowerCase())
    : parsed.stages[parsed.stages.length - 1];
  if (!target) fail(`target stage "${options.target}" could not be found`);
  const needed = new Set<Stage>();
  const visit = (s: Stage) => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const d of dependencies(s, parsed.stages, meta)) visit(d);
  };
  visit(target as Stage);
  const order = parsed.stages.filter((s) => needed.has(s));

  // Base images first, as BuildKit resolves them before any step.
  const bases = new Map<string, string>();
  for (const s of order) {
    const base = meta(s.base);
    if (base === 'scratch' || parsed.stages.some((o) => o.index < s.index && o.name === base.toLowerCase())) continue;
    const ref = fullRef(base);
    if (bases.has(ref)) continue;
    bases.set(ref, base);
    const v = progress.vertex(`[internal] load metadata for ${ref}`);
    try {
      if (!deps.images.find(ref)) await deps.images.pull(ref, signal ? { signal } : {});
    } catch (e) {
      if (signal?.aborted) throw cancelled();
      v.error((e as Error).message);
      fail(`${ref}: failed to resolve source metadata for ${ref}: ${(e as Error).message}`, s.from.range, v);
    }
    v.done();
  }

  const ignoreVertex = progress.vertex('[internal] load .dockerignore');
  const ignoreText = (await source.dockerignore()) ?? '';
  ignoreVertex.status(`transferring context: ${buildSize(ignoreText.length)}`);
  ignoreVertex.done();
  let context: ContextTree | undefined;
  const loadContext = async (): Promise<ContextTree> => {
    if (context) return context;
    const v = progress.vertex('[internal] load build context');
    context = await source.load(parseDockerignore(ignoreText));
    v.status(`transferring context: ${buildSize(context.size())}`);
    v.done();
    return context;
  };

  const usesContext = order.some((s) => s.instructions.some((i) => (i.kind === 'copy' || i.kind === 'add') && i.from === undefined));
  const multi = parsed.stages.length > 1;
  const done = new Map<Stage, StageState>();
  const unpack = async (st: { layers: BuiltLayer[]; dirs?: string[] }): Promise<string[]> => {
    if (!st.dirs) st.dirs = await deps.images.unpackLayers(st.layers, signal);
    return st.dirs;
  };
  const viewOf = async (st: { layers: BuiltLayer[]; dirs?: string[] }): Promise<RootfsView> => rootfsView(deps.fs, [...(await unpack(st))].reverse());

  /** An image named by FROM or COPY --from: its layers with diffIDs, its config. */
  const imageState = async (ref: string) => {
    let record = deps.images.find(ref);
    if (!record) {
      await deps.images.pull(ref, signal ? { signal } : {});
      record = deps.images.find(ref);
    }
    if (!record) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
    const config = await deps.images.config(record.id);
    const layers: BuiltLayer[] = record.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, diffId: l.diffId }));
    return { id: record.id, config, layers };
  };

  for (const stage of order) {
    const stageName = stage.name ?? `stage-${stage.index}`;
    const total = 1 + stage.instructions.filter((i) => ['run', 'copy', 'add', 'workdir'].includes(i.kind)).length;
    const prefix = multi ? `${stageName} ` : '';
    const base = meta(stage.base);
    const parentStage = parsed.stages.find((o) => o.index < stage.index && o.name === base.toLowerCase());
    let st: StageState;
    if (parentStage) {
      const p = done.get(parentStage) as StageState;
      const env = new EnvList(p.env.entries);
      st = { ...p, stage, prefix, total, index: 1, layers: [...p.layers], config: { ...p.config, Env: env.entries }, env, history: [...p.history], args: new Map(), shell: [...p.shell] };
    } else if (base === 'scratch') {
      const config = baseContainerConfig(undefined);
      const env = new EnvList(config.Env ?? []);
      st = {
        stage, prefix, total, index: 1, layers: [], config: { ...config, Env: env.entries }, env, history: [], args: new Map(), shell: [...DEFAULT_SHELL],
        cmdSet: false, key: cacheKey('scratch'), time: now().toISOString(),
      };
    } else {
      const ref = [...bases.entries()].find(([, b]) => b === base)?.[0] ?? base;
      const v = progress.vertex(`[${prefix}1/${total}] FROM ${ref}`);
      const img = await imageState(ref);
      v.done();
      const config = baseContainerConfig(img.config.config);
      const env = new EnvList(config.Env ?? []);
      st = {
        stage, prefix, total, index: 1, layers: img.layers, config: { ...config, Env: env.entries }, env, history: [...(img.config.history ?? [])],
        args: new Map(), shell: img.config.config?.Shell ? [...img.config.config.Shell] : [...DEFAULT_SHELL], cmdSet: false, key: cacheKey('image', img.id),
        time: img.config.created ?? new Date(0).toISOString(), imageRef: ref,
      };
    }

    // BuildKit transfers the context while the first base image is prepared, before any step.
    if (usesContext) await loadContext();
    if (signal?.aborted) throw cancelled();

    /** what `$NAME` expands to: the stage's ENV, else its ARGs */
    const vars = (name: string) => st.env.get(name) ?? st.args.get(name);
    const metaHistory = (createdBy: string) => st.history.push({ created: st.time, created_by: createdBy, comment: 'buildkit.dockerfile.v0', empty_layer: true });

    for (const raw of stage.instructions) {
      if (signal?.aborted) throw cancelled();
      let instr: Instruction;
      try {
        instr = expandInstruction(raw, vars);
      } catch (e) {
        fail(`failed to process "${raw.original}": ${(e as Error).message}`, raw.range);
        return undefined as never;
      }
      const at = { startLine: raw.range.startLine, endLine: raw.range.endLine };
      switch (instr.kind) {
        case 'arg':
          for (const decl of (instr as ArgInstruction).args) {
            if (given.has(decl.name)) consumed.add(decl.name);
            const value = given.get(decl.name) ?? decl.defaultValue ?? metaValues.get(decl.name);
            st.args.set(decl.name, value);
          }
          metaHistory(`ARG ${(instr as ArgInstruction).args.map((a) => (a.defaultValue !== undefined ? `${a.name}=${a.defaultValue}` : a.name)).join(' ')}`);
          break;
        case 'env': {
          for (const p of instr.pairs) st.env.set(p.key, p.value);
          metaHistory(`ENV ${instr.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
          break;
        }
        case 'label':
          st.config.Labels = { ...(st.config.Labels ?? {}) };
          for (const p of instr.pairs) st.config.Labels[p.key] = p.value;
          metaHistory(`LABEL ${instr.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
          break;
        case 'expose': {
          const ports = instr.ports.flatMap((p) => p.split(/\s+/)).filter(Boolean).map(exposedPort);
          st.config.ExposedPorts = { ...(st.config.ExposedPorts ?? {}) };
          for (const p of ports) st.config.ExposedPorts[p] = {};
          metaHistory(exposeHistory(ports));
          break;
        }
        case 'cmd':
          st.config.Cmd = commandArgs(instr.command, st.shell);
          st.cmdSet = true;
          metaHistory(`CMD ${goQuoteList(st.config.Cmd)}`);
          break;
        case 'entrypoint':
          st.config.Entrypoint = commandArgs(instr.command, st.shell);
          if (!st.cmdSet) st.config.Cmd = null;
          metaHistory(`ENTRYPOINT ${goQuoteList(st.config.Entrypoint)}`);
          break;
        case 'user':
          st.config.User = instr.user;
          metaHistory(`USER ${instr.user}`);
          break;
        case 'volume':
          st.config.Volumes = { ...(st.config.Volumes ?? {}) };
          for (const p of instr.paths) st.config.Volumes[p] = {};
          metaHistory(`VOLUME [${instr.paths.join(' ')}]`);
          break;
        case 'stopsignal':
          st.config.StopSignal = instr.signal;
          metaHistory(`STOPSIGNAL ${instr.signal}`);
          break;
        case 'healthcheck': {
          const h = {
            Test: instr.test,
            ...(instr.interval !== undefined ? { Interval: instr.interval } : {}),
            ...(instr.timeout !== undefined ? { Timeout: instr.timeout } : {}),
            ...(instr.startPeriod !== undefined ? { StartPeriod: instr.startPeriod } : {}),
            ...(instr.startInterval !== undefined ? { StartInterval: instr.startInterval } : {}),
            ...(instr.retries !== undefined ? { Retries: instr.retries } : {}),
          };
          st.config.Healthcheck = h;
          metaHistory(healthcheckHistory(h));
          break;
        }
        case 'shell':
          st.shell = [...instr.shell];
          st.config.Shell = [...instr.shell];
          metaHistory(`SHELL [${instr.shell.join(' ')}]`);
          break;
        case 'onbuild':
          st.config.OnBuild = [...(st.config.OnBuild ?? []), instr.expression];
          metaHistory(`ONBUILD ${instr.expression}`);
          break;
        case 'maintainer':
          metaHistory(`MAINTAINER ${instr.maintainer}`);
          break;
        case 'workdir': {
          const dir = resolveWorkdir(st.config.WorkingDir ?? '/', instr.path);
          st.config.WorkingDir = dir;
          const v = progress.vertex(`[${st.prefix}${++st.index}/${st.total}] WORKDIR ${dir}`);
          const key = cacheKey(st.key, 'workdir', dir, st.config.User ?? '');
          await fsStep(deps, st, v, key, options.noCache, async () => {
            const view = await viewOf(st);
            if ((await view.lstat(dir))?.kind === 'directory') return undefined;
            return withParents([{ path: dir, kind: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: now() }], view, now());
          }, `WORKDIR ${dir}`, now);
          break;
        }
        case 'run': {
          const heredoc = instr.heredocs[0];
          const command = !instr.json && heredoc && /^\s*<<-?['"]?\w+['"]?\s*$/.test(String(instr.command)) ? heredoc.content : instr.command;
          const args = commandArgs(command, st.shell);
          const argsInEffect = [...st.args].filter((e): e is [string, string] => e[1] !== undefined && st.env.get(e[0]) === undefined);
          const createdBy = runHistory(args, argsInEffect);
          const v = progress.vertex(`[${st.prefix}${++st.index}/${st.total}] RUN ${Array.isArray(raw.kind === 'run' ? raw.command : '') ? goQuoteList(args) : String(instr.command)}`);
          const key = cacheKey(st.key, 'run', args, st.config.Env ?? [], argsInEffect, st.config.User ?? '', st.config.WorkingDir ?? '/');
          try {
            await fsStep(deps, st, v, key, options.noCache, async () => {
              const dirs = await unpack(st);
              const runEnv = [...(st.config.Env ?? [])];
              for (const [k, val] of argsInEffect) runEnv.push(`${k}=${val}`);
              const r = await runStep({
                guest: deps.guest, fs: deps.fs, shareMount: deps.shareMount, layerDirs: dirs, image: await viewOf(st),
                args, env: runEnv, user: st.config.User ?? '', workdir: st.config.WorkingDir ?? '/',
                onOutput: (b) => v.log(b), ...(signal ? { signal } : {}),
              });
              return r.layerTar;
            }, createdBy, now);
          } catch (e) {
            if (e instanceof RunFailed) {
              v.error(e.message);
              fail(e.message, at, v);
            }
            throw e;
          }
          break;
        }
        case 'copy':
        case 'add': {
          const c = instr as CopyInstruction;
          const flags = [c.from !== undefined ? `--from=${c.from}` : '', c.chown ? `--chown=${c.chown}` : '', c.chmod ? `--chmod=${c.chmod}` : ''].filter(Boolean);
          const word = c.kind === 'add' ? 'ADD' : 'COPY';
          const line = `${word} ${[...flags, ...c.sources, ...c.heredocs.map((h) => `<<${h.name}`), c.dest].join(' ')}`;
          const v = progress.vertex(`[${st.prefix}${++st.index}/${st.total}] ${line}`);
          try {
            let tree: SourceTree;
            let fromKey = '';
            if (c.from !== undefined) {
              const fromStage = parsed.stages.find((s) => s.index < stage.index && (s.name === c.from?.toLowerCase() || String(s.index) === c.from));
              if (fromStage) {
                const fs = done.get(fromStage) as StageState;
                tree = imageTree(await viewOf(fs));
                fromKey = fs.key;
              } else {
                const img = await imageState(fullRef(c.from));
                const holder = { layers: img.layers } as { layers: BuiltLayer[]; dirs?: string[] };
                tree = imageTree(await viewOf(holder));
                fromKey = img.id;
              }
            } else tree = await loadContext();
            const view = await viewOf(st);
            const plan = await planCopy(
              { sources: c.sources, dest: c.dest, workdir: st.config.WorkingDir ?? '/', add: c.kind === 'add', ...(c.chown ? { chown: c.chown } : {}), ...(c.chmod ? { chmod: c.chmod } : {}), heredocs: c.heredocs },
              tree, view, `Dockerfile:${raw.range.startLine}`,
            );
            const key = cacheKey(st.key, c.kind, line, st.config.WorkingDir ?? '/', plan.checksum, fromKey);
            await fsStep(deps, st, v, key, options.noCache, async () => withParents(plan.entries, view, now()), `${line} # buildkit`, now);
          } catch (e) {
            if (e instanceof EngineError && !(e instanceof BuildError) && e.code !== 'ABORTED') {
              v.error(e.message);
              fail(c.kind === 'copy' || e.code === 'NOT_FOUND' ? `failed to compute cache key: ${e.message}` : e.message, at, v);
            }
            throw e;
          }
          break;
        }
        case 'from':
          break;
      }
    }
    done.set(stage, st);
  }

  // Export the target stage; a build cancelled by now names nothing.
  if (signal?.aborted) throw cancelled();
  const final = done.get(target as Stage) as StageState;
  const exp = progress.vertex('exporting to image');
  const t0 = performance.now();
  exp.status('exporting layers', false);
  const config: ImageConfig = {
    architecture: '386',
    os: 'linux',
    created: final.time,
    config: final.config,
    rootfs: { type: 'layers', diff_ids: final.layers.map((l) => l.diffId) },
    history: final.history,
  };
  const configBlob = await deps.content.putJson(config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: final.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifestBlob = await deps.content.putJson(manifest);
  const id = await deps.images.addImage(manifestBlob.digest, { tags: options.tags, ...(signal ? { signal } : {}) });
  exp.status('exporting layers', true, seconds(performance.now() - t0));
  exp.status(`writing image ${id}`);
  for (const tag of options.tags) exp.status(`naming to ${fullRef(tag)}`);
  exp.done();

  if (warnings.length > 0) {
    emit({ type: 'warning', text: `\n ${warnings.length} warning${warnings.length === 1 ? '' : 's'} found (use docker --debug to expand):\n${warnings.map((w) => ` - ${w}`).join('\n')}` });
  }
  const unused = [...given.keys()].filter((k) => !consumed.has(k));
  if (unused.length > 0) emit({ type: 'warning', text: `[Warning] One or more build-args [${unused.join(' ')}] were not consumed` });
  return parseDigest(id);
}

/**
 * A filesystem step: CACHED when its key is known and its layer still stored; otherwise `make` gives the layer
 * (entries to pack, a ready tar, or nothing for no change), which is stored and remembered under the key.
 */
async function fsStep(
  deps: BuilderDeps,
  st: StageState,
  v: Vertex,
  key: string,
  noCache: boolean,
  make: () => Promise<LayerEntry[] | Uint8Array | undefined>,
  createdBy: string,
  now: () => Date,
): Promise<void> {
  const hit = noCache ? undefined : deps.cache.get(key);
  if (hit && (!hit.layer || (await deps.content.hasBlob(hit.layer.digest)))) {
    v.cached();
    apply(st, key, hit.layer, hit.created, createdBy);
    return;
  }
  const made = await make();
  let layer: BuiltLayer | undefined;
  if (made instanceof Uint8Array) layer = await storeLayer(deps.content, made);
  else if (made && made.length > 0) layer = await storeLayer(deps.content, await layerTar(made));
  const created = now().toISOString();
  await deps.cache.put(key, { ...(layer ? { layer } : {}), created });
  apply(st, key, layer, created, createdBy);
  v.done();
}

function apply(st: StageState, key: string, layer: BuiltLayer | undefined, created: string, createdBy: string): void {
  st.key = key;
  st.time = created;
  if (layer) {
    st.layers = [...st.layers, layer];
    delete st.dirs;
  }
  st.history.push({ created, created_by: createdBy, comment: 'buildkit.dockerfile.v0', ...(layer ? {} : { empty_layer: true }) });
}

export { BuildCache };
