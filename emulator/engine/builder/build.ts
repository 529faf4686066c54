// `docker build`: a parsed Dockerfile's stages interpreted step by step (BuildKit's semantics). This module is the
// build's outline: the definition read and checked, the stages the target needs, their base images, each stage
// started by its FROM and its instructions handed to `dispatchers.ts` (one function per instruction, the cache in
// `step-cache.ts`), and the target stage exported as an OCI image with `addImage`. Progress as BuildKit's.
import type { ContentStore } from '../store/content-store.ts';
import { type Digest, parseDigest } from '../oci/digest.ts';
import { expandInstruction, hasErrors, parseDockerfile } from '../dockerfile/index.ts';
import type { Diagnostic, Instruction, ParsedDockerfile, Stage } from '../dockerfile/index.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import type { ImageStore } from '../images/image-store.ts';
import { MediaType } from '../oci/media-types.ts';
import type { ImageConfig, ImageManifest } from '../oci/oci-types.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { BuildArgs } from './build-args.ts';
import { BuildError } from './build-error.ts';
import { BuildSession, type FailBuild } from './build-session.ts';
import { BuildCache } from './cache.ts';
import { dispatch, fullRef } from './dispatchers.ts';
import type { parseDockerignore } from './dockerignore.ts';
import { buildSize, seconds, sourceExcerpt, type BuildEvent } from './progress.ts';
import { cancelled } from './run-step.ts';
import type { ContextTree } from './source-tree.ts';
import { childStageState, imageStageState, scratchState, stageVariable, type StageNumbering, type StageState } from './stage-state.ts';
import { Progress } from './vertex.ts';

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

export { BuildError };

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

/** The target stage and the stages it needs, in Dockerfile order. */
function stagesToBuild(target: Stage, stages: readonly Stage[], meta: (w: string) => string): Stage[] {
  const needed = new Set<Stage>();
  const visit = (s: Stage) => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const d of dependencies(s, stages, meta)) visit(d);
  };
  visit(target);
  return stages.filter((s) => needed.has(s));
}

function dockerfileError(d: Diagnostic): string {
  return `dockerfile parse error on line ${d.range.startLine}: ${d.message}`;
}

/** `[internal] load build definition from Dockerfile`: the Dockerfile read and parsed; BuildKit's lint warnings shown there. */
async function loadDefinition(progress: Progress, source: ContextSource) {
  const def = progress.vertex('[internal] load build definition from Dockerfile');
  const dockerfile = await source.dockerfile();
  def.status(`transferring dockerfile: ${buildSize(new TextEncoder().encode(dockerfile.text).length)}`);
  const parsed: ParsedDockerfile = parseDockerfile(dockerfile.text, { file: dockerfile.name });
  // BuildKit's lint warnings: in the definition's vertex now, and summed up at the end.
  const warnings = parsed.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code ?? 'Warning'}: ${d.message} (line ${d.range.startLine})`);
  for (const w of warnings) def.status(`WARN: ${w}`, false);
  def.done();
  return { dockerfile, parsed, warnings };
}

/** A failure reported as BuildKit's summary (the vertex, its last output, the Dockerfile excerpt), then thrown. */
function failWith(emit: (e: BuildEvent) => void, dockerfile: { name: string; text: string }): FailBuild {
  return (message, at, vertex) => {
    emit({
      type: 'failed',
      ...(vertex ? { vertex: vertex.name, logTail: vertex.tail } : { logTail: [] }),
      ...(at ? { excerpt: sourceExcerpt(dockerfile.name, dockerfile.text, at.startLine, at.endLine) } : {}),
      message,
    });
    throw new BuildError('INVALID_ARGUMENT', message);
  };
}

/** Base images first, as BuildKit resolves them before any step: ref as printed -> the name FROM gave. */
async function resolveBaseImages(session: BuildSession, order: readonly Stage[]): Promise<Map<string, string>> {
  const { deps, signal, args } = session;
  const bases = new Map<string, string>();
  for (const s of order) {
    const base = args.expandMeta(s.base);
    if (base === 'scratch' || session.stages.some((o) => o.index < s.index && o.name === base.toLowerCase())) continue;
    const ref = fullRef(base);
    if (bases.has(ref)) continue;
    bases.set(ref, base);
    const v = session.progress.vertex(`[internal] load metadata for ${ref}`);
    try {
      if (!deps.images.find(ref)) await deps.images.pull(ref, signal ? { signal } : {});
    } catch (e) {
      if (signal?.aborted) throw cancelled();
      v.error((e as Error).message);
      session.fail(`${ref}: failed to resolve source metadata for ${ref}: ${(e as Error).message}`, s.from.range, v);
    }
    v.done();
  }
  return bases;
}

/** FROM: the stage's state from scratch, an earlier stage, or an image (its `[1/N] FROM` vertex). */
async function startStage(session: BuildSession, stage: Stage, bases: ReadonlyMap<string, string>, multi: boolean): Promise<StageState> {
  const at: StageNumbering = {
    prefix: multi ? `${stage.name ?? `stage-${stage.index}`} ` : '',
    total: 1 + stage.instructions.filter((i) => ['run', 'copy', 'add', 'workdir'].includes(i.kind)).length,
  };
  const base = session.args.expandMeta(stage.base);
  const parentStage = session.stages.find((o) => o.index < stage.index && o.name === base.toLowerCase());
  if (parentStage) return childStageState(session.done.get(parentStage) as StageState, stage, at);
  if (base === 'scratch') return scratchState(stage, at, session.now());
  const ref = [...bases.entries()].find(([, b]) => b === base)?.[0] ?? base;
  const v = session.progress.vertex(`[${at.prefix}1/${at.total}] FROM ${ref}`);
  const img = await session.image(ref);
  v.done();
  return imageStageState(stage, at, img, ref);
}

/** A stage's instructions, each expanded with the stage's variables at its turn, then dispatched. */
async function buildStage(session: BuildSession, st: StageState): Promise<void> {
  for (const raw of st.stage.instructions) {
    if (session.signal?.aborted) throw cancelled();
    let instr: Instruction;
    try {
      instr = expandInstruction(raw, (name) => stageVariable(st, name));
    } catch (e) {
      session.fail(`failed to process "${raw.original}": ${(e as Error).message}`, raw.range);
    }
    await dispatch(session, st, instr, raw);
  }
}

/** `exporting to image`: config and manifest into the content store, the image recorded and tagged. */
async function exportImage(session: BuildSession, final: StageState): Promise<string> {
  const { deps, options, signal } = session;
  const exp = session.progress.vertex('exporting to image');
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
  return id;
}

export async function build(deps: BuilderDeps, source: ContextSource, options: BuildOptions, emit: (e: BuildEvent) => void): Promise<Digest> {
  const progress = new Progress(emit);
  const { dockerfile, parsed, warnings } = await loadDefinition(progress, source);
  const fail = failWith(emit, dockerfile);
  if (hasErrors(parsed)) {
    const d = parsed.diagnostics.find((x) => x.severity === 'error') as Diagnostic;
    fail(dockerfileError(d), { startLine: d.range.startLine, endLine: d.range.endLine });
  }
  if (parsed.stages.length === 0) fail('the Dockerfile has no FROM instruction, so there is nothing to build');

  // Build args: the ones a meta ARG or a stage ARG declares are consumed; the rest get Docker's warning.
  const args = new BuildArgs(options.buildArgs, parsed.metaArgs);
  const session = new BuildSession({ deps, source, options, progress, fail, stages: parsed.stages, args });
  const meta = (word: string) => args.expandMeta(word);

  const target = options.target
    ? parsed.stages.find((s) => s.name === options.target?.toLowerCase())
    : parsed.stages[parsed.stages.length - 1];
  if (!target) return fail(`target stage "${options.target}" could not be found`);
  const order = stagesToBuild(target, parsed.stages, meta);
  const bases = await resolveBaseImages(session, order);
  await session.loadDockerignore();

  const usesContext = order.some((s) => s.instructions.some((i) => (i.kind === 'copy' || i.kind === 'add') && i.from === undefined));
  const multi = parsed.stages.length > 1;
  for (const stage of order) {
    const st = await startStage(session, stage, bases, multi);
    // BuildKit transfers the context while the first base image is prepared, before any step.
    if (usesContext) await session.context();
    if (session.signal?.aborted) throw cancelled();
    await buildStage(session, st);
    session.done.set(stage, st);
  }

  // Export the target stage; a build cancelled by now names nothing.
  if (session.signal?.aborted) throw cancelled();
  const id = await exportImage(session, session.done.get(target) as StageState);

  if (warnings.length > 0) {
    emit({ type: 'warning', text: `\n ${warnings.length} warning${warnings.length === 1 ? '' : 's'} found (use docker --debug to expand):\n${warnings.map((w) => ` - ${w}`).join('\n')}` });
  }
  const unused = args.unused();
  if (unused.length > 0) emit({ type: 'warning', text: `[Warning] One or more build-args [${unused.join(' ')}] were not consumed` });
  return parseDigest(id);
}

export { BuildCache };
