// One function per Dockerfile instruction over the stage being built, as the classic builder's dispatchers.go
// (dispatchEnv, dispatchRun, dispatchCopy, ...) and BuildKit's dockerfile2llb: metadata instructions change the
// image config and add an empty-layer history entry; WORKDIR, COPY, ADD and RUN are filesystem steps, each a
// progress vertex and a cached-or-made layer (BuildSession.step). FROM is the stage's start (build.ts).
import type {
  ArgInstruction, CmdInstruction, CopyInstruction, EntrypointInstruction, EnvInstruction, ExposeInstruction, HealthcheckInstruction, Instruction,
  LabelInstruction, MaintainerInstruction, OnbuildInstruction, RunInstruction, ShellInstruction, StopsignalInstruction, UserInstruction,
  VolumeInstruction, WorkdirInstruction,
} from '../dockerfile/index.ts';
import { EngineError } from '../errors.ts';
import { parseDockerRef, referenceString } from '../registry/reference.ts';
import type { BuildArgs } from './build-args.ts';
import { BuildError } from './build-error.ts';
import type { BuildSession, LayerHolder, SourceLines } from './build-session.ts';
import { cacheKey } from './cache.ts';
import { planCopy } from './copy.ts';
import { commandArgs, exposedPort, exposeHistory, goQuoteList, healthcheckHistory, resolveWorkdir, runHistory } from './image-config.ts';
import { withParents } from './layer.ts';
import { RunFailed, runStep } from './run-step.ts';
import { imageTree, type SourceTree } from './source-tree.ts';
import { metaHistory, type StageState } from './stage-state.ts';

// ---- metadata: the image config and an empty-layer history entry ----

export function dispatchArg(st: StageState, instr: ArgInstruction, args: BuildArgs): void {
  for (const decl of instr.args) st.args.set(decl.name, args.declare(decl.name, decl.defaultValue));
  metaHistory(st, `ARG ${instr.args.map((a) => (a.defaultValue !== undefined ? `${a.name}=${a.defaultValue}` : a.name)).join(' ')}`);
}

export function dispatchEnv(st: StageState, instr: EnvInstruction): void {
  for (const p of instr.pairs) st.env.set(p.key, p.value);
  metaHistory(st, `ENV ${instr.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
}

export function dispatchLabel(st: StageState, instr: LabelInstruction): void {
  st.config.Labels = { ...(st.config.Labels ?? {}) };
  for (const p of instr.pairs) st.config.Labels[p.key] = p.value;
  metaHistory(st, `LABEL ${instr.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
}

export function dispatchExpose(st: StageState, instr: ExposeInstruction): void {
  const ports = instr.ports.flatMap((p) => p.split(/\s+/)).filter(Boolean).map(exposedPort);
  st.config.ExposedPorts = { ...(st.config.ExposedPorts ?? {}) };
  for (const p of ports) st.config.ExposedPorts[p] = {};
  metaHistory(st, exposeHistory(ports));
}

export function dispatchCmd(st: StageState, instr: CmdInstruction): void {
  st.config.Cmd = commandArgs(instr.command, st.shell);
  st.cmdSet = true;
  metaHistory(st, `CMD ${goQuoteList(st.config.Cmd)}`);
}

/** ENTRYPOINT resets a CMD the base image gave, not one this stage set (Docker's rule). */
export function dispatchEntrypoint(st: StageState, instr: EntrypointInstruction): void {
  st.config.Entrypoint = commandArgs(instr.command, st.shell);
  if (!st.cmdSet) st.config.Cmd = null;
  metaHistory(st, `ENTRYPOINT ${goQuoteList(st.config.Entrypoint)}`);
}

export function dispatchUser(st: StageState, instr: UserInstruction): void {
  st.config.User = instr.user;
  metaHistory(st, `USER ${instr.user}`);
}

export function dispatchVolume(st: StageState, instr: VolumeInstruction): void {
  st.config.Volumes = { ...(st.config.Volumes ?? {}) };
  for (const p of instr.paths) st.config.Volumes[p] = {};
  metaHistory(st, `VOLUME [${instr.paths.join(' ')}]`);
}

export function dispatchStopSignal(st: StageState, instr: StopsignalInstruction): void {
  st.config.StopSignal = instr.signal;
  metaHistory(st, `STOPSIGNAL ${instr.signal}`);
}

export function dispatchHealthcheck(st: StageState, instr: HealthcheckInstruction): void {
  const h = {
    Test: instr.test,
    ...(instr.interval !== undefined ? { Interval: instr.interval } : {}),
    ...(instr.timeout !== undefined ? { Timeout: instr.timeout } : {}),
    ...(instr.startPeriod !== undefined ? { StartPeriod: instr.startPeriod } : {}),
    ...(instr.startInterval !== undefined ? { StartInterval: instr.startInterval } : {}),
    ...(instr.retries !== undefined ? { Retries: instr.retries } : {}),
  };
  st.config.Healthcheck = h;
  metaHistory(st, healthcheckHistory(h));
}

export function dispatchShell(st: StageState, instr: ShellInstruction): void {
  st.shell = [...instr.shell];
  st.config.Shell = [...instr.shell];
  metaHistory(st, `SHELL [${instr.shell.join(' ')}]`);
}

export function dispatchOnbuild(st: StageState, instr: OnbuildInstruction): void {
  st.config.OnBuild = [...(st.config.OnBuild ?? []), instr.expression];
  metaHistory(st, `ONBUILD ${instr.expression}`);
}

export function dispatchMaintainer(st: StageState, instr: MaintainerInstruction): void {
  metaHistory(st, `MAINTAINER ${instr.maintainer}`);
}

// ---- filesystem steps: a vertex each, a layer cached or made ----

/** `[stage n/total] ` for the stage's next step. */
function stepName(st: StageState, text: string): string {
  return `[${st.prefix}${++st.index}/${st.total}] ${text}`;
}

/** WORKDIR makes the directory (and its parents) when the image lacks it. */
export async function dispatchWorkdir(session: BuildSession, st: StageState, instr: WorkdirInstruction): Promise<void> {
  const dir = resolveWorkdir(st.config.WorkingDir ?? '/', instr.path);
  st.config.WorkingDir = dir;
  const v = session.progress.vertex(stepName(st, `WORKDIR ${dir}`));
  const key = cacheKey(st.key, 'workdir', dir, st.config.User ?? '');
  await session.step(st, v, key, async () => {
    const view = await session.view(st);
    if ((await view.lstat(dir))?.kind === 'directory') return undefined;
    return withParents([{ path: dir, kind: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: session.now() }], view, session.now());
  }, `WORKDIR ${dir}`);
}

/** RUN in a build container; `raw` is the instruction before expansion (its exec form names the vertex). */
export async function dispatchRun(session: BuildSession, st: StageState, instr: RunInstruction, raw: Instruction, at: SourceLines): Promise<void> {
  const heredoc = instr.heredocs[0];
  const command = !instr.json && heredoc && /^\s*<<-?['"]?\w+['"]?\s*$/.test(String(instr.command)) ? heredoc.content : instr.command;
  const args = commandArgs(command, st.shell);
  // build args are in the step's environment (and its cache key, and its history) unless an ENV shadows them
  const argsInEffect = [...st.args].filter((e): e is [string, string] => e[1] !== undefined && st.env.get(e[0]) === undefined);
  const createdBy = runHistory(args, argsInEffect);
  const v = session.progress.vertex(stepName(st, `RUN ${Array.isArray(raw.kind === 'run' ? raw.command : '') ? goQuoteList(args) : String(instr.command)}`));
  const key = cacheKey(st.key, 'run', args, st.config.Env ?? [], argsInEffect, st.config.User ?? '', st.config.WorkingDir ?? '/');
  const signal = session.signal;
  try {
    await session.step(st, v, key, async () => {
      const dirs = await session.unpack(st);
      const runEnv = [...(st.config.Env ?? [])];
      for (const [k, val] of argsInEffect) runEnv.push(`${k}=${val}`);
      const r = await runStep({
        guest: session.deps.guest, fs: session.deps.fs, shareMount: session.deps.shareMount, layerDirs: dirs, image: await session.view(st),
        args, env: runEnv, user: st.config.User ?? '', workdir: st.config.WorkingDir ?? '/',
        onOutput: (b) => v.log(b), ...(signal ? { signal } : {}),
      });
      return r.layerTar;
    }, createdBy);
  } catch (e) {
    if (e instanceof RunFailed) {
      v.error(e.message);
      session.fail(e.message, at, v);
    }
    throw e;
  }
}

/** `node` -> `docker.io/library/node:latest`, as BuildKit names images in its progress. */
export function fullRef(name: string): string {
  return referenceString(parseDockerRef(name));
}

/** What `COPY --from` reads: an earlier stage's file system, else an image's; and what the cache key names of it. */
async function copySourceFrom(session: BuildSession, st: StageState, from: string): Promise<{ tree: SourceTree; fromKey: string }> {
  const fromStage = session.stages.find((s) => s.index < st.stage.index && (s.name === from.toLowerCase() || String(s.index) === from));
  if (fromStage) {
    const built = session.done.get(fromStage) as StageState;
    return { tree: imageTree(await session.view(built)), fromKey: built.key };
  }
  const img = await session.image(fullRef(from));
  const holder: LayerHolder = { layers: img.layers };
  return { tree: imageTree(await session.view(holder)), fromKey: img.id };
}

/** COPY and ADD: from the context, another stage or an image; the key holds the sources' checksum. */
export async function dispatchCopy(session: BuildSession, st: StageState, c: CopyInstruction, at: SourceLines): Promise<void> {
  const flags = [c.from !== undefined ? `--from=${c.from}` : '', c.chown ? `--chown=${c.chown}` : '', c.chmod ? `--chmod=${c.chmod}` : ''].filter(Boolean);
  const word = c.kind === 'add' ? 'ADD' : 'COPY';
  const line = `${word} ${[...flags, ...c.sources, ...c.heredocs.map((h) => `<<${h.name}`), c.dest].join(' ')}`;
  const v = session.progress.vertex(stepName(st, line));
  try {
    const { tree, fromKey } = c.from !== undefined ? await copySourceFrom(session, st, c.from) : { tree: await session.context(), fromKey: '' };
    const view = await session.view(st);
    const plan = await planCopy(
      { sources: c.sources, dest: c.dest, workdir: st.config.WorkingDir ?? '/', add: c.kind === 'add', ...(c.chown ? { chown: c.chown } : {}), ...(c.chmod ? { chmod: c.chmod } : {}), heredocs: c.heredocs },
      tree, view, `Dockerfile:${at.startLine}`,
    );
    const key = cacheKey(st.key, c.kind, line, st.config.WorkingDir ?? '/', plan.checksum, fromKey);
    await session.step(st, v, key, async () => withParents(plan.entries, view, session.now()), `${line} # buildkit`);
  } catch (e) {
    if (e instanceof EngineError && !(e instanceof BuildError) && e.code !== 'ABORTED') {
      v.error(e.message);
      session.fail(c.kind === 'copy' || e.code === 'NOT_FOUND' ? `failed to compute cache key: ${e.message}` : e.message, at, v);
    }
    throw e;
  }
}

// ---- the dispatch table ----

/** One instruction of the stage, already expanded (`instr`; `raw` as written). */
export async function dispatch(session: BuildSession, st: StageState, instr: Instruction, raw: Instruction): Promise<void> {
  const at: SourceLines = { startLine: raw.range.startLine, endLine: raw.range.endLine };
  switch (instr.kind) {
    case 'arg':
      return dispatchArg(st, instr, session.args);
    case 'env':
      return dispatchEnv(st, instr);
    case 'label':
      return dispatchLabel(st, instr);
    case 'expose':
      return dispatchExpose(st, instr);
    case 'cmd':
      return dispatchCmd(st, instr);
    case 'entrypoint':
      return dispatchEntrypoint(st, instr);
    case 'user':
      return dispatchUser(st, instr);
    case 'volume':
      return dispatchVolume(st, instr);
    case 'stopsignal':
      return dispatchStopSignal(st, instr);
    case 'healthcheck':
      return dispatchHealthcheck(st, instr);
    case 'shell':
      return dispatchShell(st, instr);
    case 'onbuild':
      return dispatchOnbuild(st, instr);
    case 'maintainer':
      return dispatchMaintainer(st, instr);
    case 'workdir':
      return dispatchWorkdir(session, st, instr);
    case 'run':
      return dispatchRun(session, st, instr, raw, at);
    case 'copy':
    case 'add':
      return dispatchCopy(session, st, instr, at);
    case 'from':
      return;
  }
}
