// `docker logs`, `ps`, `exec` and `cp`: commands that parse their own argv (exec non-interspersed) and print their
// own usage errors, talking to the engine only through the Engine API.
import { splitCpArg } from '../../containers/container-copy.ts';
import { demultiplex } from '../../containers/logs-api.ts';
import type { ContainerSummary } from '../../containers/container-json.ts';
import { parseLogsArgs } from '../logs-args.ts';
import { FlagError, parseFlags, type FlagSpec } from '../flags.ts';
import { parsePsArgs, psRow, PS_FORMAT } from '../ps-format.ts';
import type { ProcessEnd } from '../cli-session.ts';
import { DaemonError } from '../engine-client.ts';
import { formatList } from '../output-format.ts';
import { humanSize } from '../../units/human.ts';
import { streamLogs } from './container-output.ts';
import { enc, flagError, queryOf, type RawCommand } from './raw-command.ts';

/** `docker logs` */
export const logsCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseLogsArgs(ctx.argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker logs [OPTIONS] CONTAINER');
  }
  if ('help' in parsed) {
    ctx.out('Usage:  docker logs [OPTIONS] CONTAINER\n\nFetch the logs of a container\n');
    return 0;
  }
  const info = await ctx.client.json<{ Config: { Tty: boolean } }>('GET', `/containers/${enc(parsed.container)}/json`);
  await streamLogs(ctx, parsed.container, parsed.query, info.Config.Tty);
  return 0;
};

/** `docker ps` / `docker container ls` */
export const psCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parsePsArgs(ctx.argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker ps [OPTIONS]');
  }
  if ('help' in parsed) {
    ctx.out('Usage:  docker ps [OPTIONS]\n\nList containers\n');
    return 0;
  }
  const list = await ctx.client.json<ContainerSummary[]>('GET', '/containers/json', { query: queryOf(parsed.query) });
  if (parsed.quiet && parsed.format === undefined) {
    ctx.out(list.map((c) => `${parsed.trunc ? c.Id.slice(0, 12) : c.Id}\n`).join(''));
    return 0;
  }
  const now = ctx.now().getTime();
  const rows = list.map((c) => psRow(c, { trunc: parsed.trunc, now }));
  ctx.out(formatList(parsed.format, rows, PS_FORMAT));
  return 0;
};

const EXEC_FLAGS: FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool' },
  { name: 'interactive', short: 'i', type: 'bool' },
  { name: 'tty', short: 't', type: 'bool' },
  { name: 'env', short: 'e', type: 'list' },
  { name: 'user', short: 'u', type: 'string' },
  { name: 'workdir', short: 'w', type: 'string' },
  { name: 'privileged', type: 'bool' },
  { name: 'detach-keys', type: 'string' },
];

/** `docker exec [-it] CONTAINER COMMAND [ARG...]` */
export const execCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseFlags(ctx.argv, EXEC_FLAGS, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, 'docker exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  }
  if (parsed.help) {
    ctx.out('Usage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nExecute a command in a running container\n');
    return 0;
  }
  const [container, ...cmd] = parsed.args;
  if (container === undefined || cmd.length === 0) {
    ctx.err(`docker: '${ctx.path}' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee '${ctx.path} --help' for more information\n`);
    return 1;
  }
  const v = parsed.flags;
  const tty = !!v['tty'];
  const body = {
    Cmd: cmd,
    Tty: tty,
    AttachStdin: !!v['interactive'],
    AttachStdout: true,
    AttachStderr: true,
    ...(v['env'] ? { Env: v['env'] as string[] } : {}),
    ...(v['user'] ? { User: v['user'] as string } : {}),
    ...(v['workdir'] ? { WorkingDir: v['workdir'] as string } : {}),
  };
  const { Id } = await ctx.client.json<{ Id: string }>('POST', `/containers/${enc(container)}/exec`, { body });
  if (v['interactive'] || tty) {
    const { Argv } = await ctx.client.json<{ Argv: string[] }>('POST', `/exec/${Id}/drydock-argv`);
    const end = await ctx.session.spawn({ argv: Argv }).catch((): ProcessEnd => ({ exitCode: 126 }));
    await ctx.client.request('POST', `/exec/${Id}/drydock-exited`, { body: 'signal' in end ? { Signal: end.signal } : { ExitCode: end.exitCode } });
  } else {
    const response = await ctx.client.request('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: tty } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (tty) ctx.session.stdout(bytes);
    else for (const f of demultiplex(bytes)) (f.stream === 'stderr' ? ctx.session.stderr : ctx.session.stdout).call(ctx.session, f.data);
  }
  const info = await ctx.client.json<{ ExitCode: number | null }>('GET', `/exec/${Id}/json`);
  return info.ExitCode ?? 0;
};

const CP_USAGE = 'docker cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH';

/**
 * `docker cp` between a container and the guest (the CLI's host here). Both ends are in the guest, so the engine
 * copies there (drydock-cp) instead of streaming tar archives through the CLI as the docker CLI does.
 */
export const cpCommand: RawCommand = async (ctx) => {
  let parsed;
  try {
    parsed = parseFlags(ctx.argv, [
      { name: 'archive', short: 'a', type: 'bool' },
      { name: 'follow-link', short: 'L', type: 'bool' },
      { name: 'quiet', short: 'q', type: 'bool' },
    ], { interspersed: true });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return flagError(ctx, e, CP_USAGE);
  }
  if (parsed.help) {
    ctx.out(`Usage:  ${CP_USAGE}\n\nCopy files/folders between a container and the local filesystem\n`);
    return 0;
  }
  if (parsed.args.length !== 2) {
    ctx.err(`docker: '${ctx.path}' requires 2 arguments\n\nUsage:  ${CP_USAGE}\n\nSee '${ctx.path} --help' for more information\n`);
    return 1;
  }
  const [srcArg, dstArg] = parsed.args as [string, string];
  const src = splitCpArg(srcArg);
  const dst = splitCpArg(dstArg);
  if (src.container !== undefined && dst.container !== undefined) {
    ctx.err('copying between containers is not supported\n');
    return 1;
  }
  if (src.container === undefined && dst.container === undefined) {
    ctx.err('must specify at least one container source\n');
    return 1;
  }
  if (src.path === '-' || dst.path === '-') {
    ctx.err('docker cp with - (a tar stream on stdin or stdout) is not supported in drydock: copy to or from a path in the machine\n');
    return 1;
  }
  const toContainer = dst.container !== undefined;
  const container = (toContainer ? dst.container : src.container) as string;
  const local = toContainer ? src.path : dst.path;
  const remote = toContainer ? dst.path : src.path;
  if (local === '') {
    ctx.err(`lstat : no such file or directory\n`);
    return 1;
  }
  // A relative local path is the shim's (its cwd); the trailing `/` and `/.` the rules look at are kept.
  const guestPath = local.startsWith('/') ? local : `${ctx.session.cwd.replace(/\/$/, '')}/${local}`;
  let size: number;
  try {
    const body = { ToContainer: toContainer, ContainerPath: remote, GuestPath: guestPath, Archive: !!parsed.flags['archive'], FollowLink: !!parsed.flags['follow-link'] };
    size = (await ctx.client.json<{ Size: number }>('POST', `/containers/${enc(container)}/drydock-cp`, { body })).Size;
  } catch (e) {
    if (!(e instanceof DaemonError)) throw e;
    // Local-side failures are the CLI's own (no "Error response from daemon:"), as with the docker CLI.
    ctx.err(/^(lstat |cannot copy a directory|destination ")/.test(e.message) ? `${e.message}\n` : `Error response from daemon: ${e.message}\n`);
    return 1;
  }
  // The docker CLI reports the size only on a terminal (its progress output), not with -q.
  if (ctx.session.tty && !parsed.flags['quiet']) ctx.err(`Successfully copied ${humanSize(size)} to ${dstArg}\n`);
  return 0;
};
