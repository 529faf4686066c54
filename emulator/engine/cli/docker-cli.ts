// `docker ...` as the engine runs it for the guest's shim: parse argv like the docker CLI (global flags,
// `docker image ls` aliases, help, Docker's error messages and exit codes), then talk to the engine only
// through its Engine API router, as the real client talks to dockerd.
import type { EngineApi } from '../api/engine-api.ts';
import { EngineError } from '../errors.ts';
import type { CliSession } from './cli-session.ts';
import { CliError, type Command, type CommandContext } from './command.ts';
import * as c from './commands/containers.ts';
import { runCommand as runOrCreate, startCommand } from './commands/containers-run.ts';
import { attachCommand } from './commands/containers-attach.ts';
import { cpCommand, execCommand, logsCommand, psCommand } from './commands/container-commands.ts';
import type { RawCommand } from './commands/raw-command.ts';
import { relayCommand, RELAY_COMMAND } from './commands/attach-relay.ts';
import { build, builderPrune } from './commands/build.ts';
import { composeCommand } from './compose/compose-cli.ts';
import { history } from './commands/history.ts';
import { images } from './commands/images.ts';
import { imageInspect } from './commands/inspect.ts';
import { login, logout } from './commands/login.ts';
import * as net from './commands/network.ts';
import { pull, push } from './commands/pull-push.ts';
import { events } from './commands/events.ts';
import { info, systemDf, version, CLIENT_VERSION } from './commands/system.ts';
import { rmi, tag } from './commands/tag-rmi.ts';
import { DaemonError, EngineClient, StreamError } from './engine-client.ts';
import { FlagError, type FlagSpec, flagsHelp, parseFlags } from './flags.ts';
import { TemplateError } from './go-template.ts';
import { StreamLineReader } from './line-reader.ts';

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'config', type: 'string', description: 'Location of client config files' },
  { name: 'context', short: 'c', type: 'string', description: 'Name of the context to use to connect to the daemon' },
  { name: 'debug', short: 'D', type: 'bool', description: 'Enable debug mode' },
  { name: 'host', short: 'H', type: 'strings', valueName: 'list', description: 'Daemon socket to connect to' },
  { name: 'log-level', short: 'l', type: 'string', description: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', defaultValue: 'info' },
  { name: 'tls', type: 'bool', description: 'Use TLS; implied by --tlsverify' },
  { name: 'tlscacert', type: 'string', description: 'Trust certs signed only by this CA' },
  { name: 'tlscert', type: 'string', description: 'Path to TLS certificate file' },
  { name: 'tlskey', type: 'string', description: 'Path to TLS key file' },
  { name: 'tlsverify', type: 'bool', description: 'Use TLS and verify the remote' },
  { name: 'version', short: 'v', type: 'bool', description: 'Print version information and quit' },
];

const inspect = c.inspect;
const TOP: Record<string, Command> = {
  pull, push, images, history, inspect, tag, rmi, version, info, login, logout, build, events,
  stop: c.stop, restart: c.restart, kill: c.kill, rm: c.rm, wait: c.wait, pause: c.pause, unpause: c.unpause, top: c.top, diff: c.diff, commit: c.commit, stats: c.stats,
  port: net.port,
};

/** Commands that parse their own argv with the container model's pflag rules (run and exec stop at the image/container). */
const RAW: Record<string, RawCommand> = {
  run: runOrCreate('run'), create: runOrCreate('create'), start: startCommand, exec: execCommand, logs: logsCommand, ps: psCommand, attach: attachCommand, cp: cpCommand,
  [RELAY_COMMAND]: relayCommand,
  compose: composeCommand,
};

/** `docker image <sub>` and `docker system <sub>` */
const GROUPS: Record<string, { description: string; commands: Record<string, Command>; later: string[] }> = {
  image: {
    description: 'Manage images',
    commands: { ls: images, list: images, pull, push, history, inspect: imageInspect, tag, rm: rmi, remove: rmi, build },
    later: ['import', 'load', 'prune', 'save'],
  },
  builder: { description: 'Manage builds', commands: { build, prune: builderPrune }, later: ['du', 'ls'] },
  system: { description: 'Manage Docker', commands: { df: systemDf, events, info }, later: ['prune'] },
  container: {
    description: 'Manage containers',
    commands: {
      inspect: c.containerInspect, prune: c.containerPrune, stop: c.stop, restart: c.restart, kill: c.kill, rm: c.rm, remove: c.rm,
      wait: c.wait, pause: c.pause, unpause: c.unpause, top: c.top, diff: c.diff, commit: c.commit, stats: c.stats, port: net.port,
    },
    later: ['export', 'rename', 'update'],
  },
  network: {
    description: 'Manage networks',
    commands: {
      connect: net.networkConnect, create: net.networkCreate, disconnect: net.networkDisconnect, inspect: net.networkInspect,
      ls: net.networkLs, list: net.networkLs, prune: net.networkPrune, rm: net.networkRm, remove: net.networkRm,
    },
    later: [],
  },
  volume: {
    description: 'Manage volumes',
    commands: { create: c.volumeCreate, ls: c.volumeLs, list: c.volumeLs, inspect: c.volumeInspect, rm: c.volumeRm, remove: c.volumeRm, prune: c.volumePrune },
    later: ['update'],
  },
};

/** `docker container run` & co.: the raw commands under the container group */
const { compose: _compose, ...CONTAINER_COMMANDS } = RAW;
const CONTAINER_RAW: Record<string, RawCommand> = { ...CONTAINER_COMMANDS, ls: psCommand, list: psCommand };

/** Commands of later drydock issues: a clear refusal, not "unknown command". */
const LATER = [
  'buildx',
  'export', 'import', 'load', 'save', 'rename', 'update',
  'search', 'context', 'manifest', 'plugin', 'swarm',
  'node', 'service', 'stack', 'secret', 'config', 'trust', 'init', 'checkpoint',
];

export interface DockerCliOptions {
  api: EngineApi;
  now?: () => Date;
}

/** The handler for shim sessions: runs one `docker ...` and ends the session with its exit status. */
export function dockerCli(options: DockerCliOptions): (session: CliSession) => Promise<void> {
  return async (session) => {
    let status: number;
    try {
      status = await runDocker(session, options);
    } catch (e) {
      session.stderr(`${e instanceof Error ? e.message : String(e)}\n`);
      status = 1;
    }
    session.exit(status);
  };
}

export async function runDocker(session: CliSession, options: DockerCliOptions): Promise<number> {
  const out = (text: string) => session.stdout(text);
  const err = (text: string) => session.stderr(text);
  let global;
  try {
    global = parseFlags(session.argv, GLOBAL_FLAGS, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    err(`${e.message}\n\nUsage:  docker [OPTIONS] COMMAND\n\nRun 'docker --help' for more information\n`);
    return 125;
  }
  if (global.flags.version) {
    out(`Docker version ${CLIENT_VERSION.Version}, build ${CLIENT_VERSION.GitCommit}\n`);
    return 0;
  }
  const [name, ...rest] = global.args;
  if (name === undefined || global.help || name === 'help') {
    out(topHelp());
    return 0;
  }
  const raw = RAW[name] ?? (name === 'container' && rest[0] !== undefined ? CONTAINER_RAW[rest[0]] : undefined);
  if (raw) {
    const path = name === 'container' ? `docker container ${rest[0]}` : `docker ${name}`;
    return runRaw(session, options, raw, path, name === 'container' ? rest.slice(1) : rest);
  }
  let command = TOP[name];
  let path = `docker ${name}`;
  let argv = rest;
  const group = GROUPS[name];
  if (group) {
    const [sub, ...subRest] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      out(groupHelp(name, group));
      return 0;
    }
    if (group.later.includes(sub)) return notYet(err, `${name} ${sub}`);
    command = group.commands[sub];
    path = `docker ${name} ${sub}`;
    argv = subRest;
    if (!command) {
      err(`docker: unknown command: docker ${name} ${sub}\n\nUsage:  docker ${name}\n\nRun 'docker ${name} --help' for more information\n`);
      return 1;
    }
  }
  if (!command) {
    if (LATER.includes(name)) return notYet(err, name);
    err(`docker: unknown command: docker ${name}\n\nRun 'docker --help' for more information\n`);
    return 1;
  }
  return runCommand(session, options, command, path, argv, out, err);
}

async function runCommand(
  session: CliSession,
  options: DockerCliOptions,
  command: Command,
  path: string,
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  // Usage names the command as typed (`docker image ls`, not `docker images`), as cobra does for aliases.
  const usage = `${path}${command.usage.replace(/^docker(?: [a-z-]+)+/, '')}`;
  const usageTail = (verb = 'Run') => `\n\nUsage:  ${usage}\n\n${verb} '${path} --help' for more information\n`;
  let parsed;
  try {
    parsed = parseFlags(argv, command.flags);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    err(`${e.message}${usageTail()}`);
    return 125;
  }
  if (parsed.help) {
    out(commandHelp({ ...command, usage }));
    return 0;
  }
  const { min = 0, max = Infinity } = command.args ?? {};
  const n = parsed.args.length;
  if (n < min || n > max) {
    const plural = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
    let what: string;
    let verb = 'Run';
    if (min === max) what = `requires ${plural(min)}`;
    else if (max === 0) what = 'accepts no arguments';
    else if (n < min) {
      what = `requires at least ${plural(min)}`;
      verb = 'See';
    } else what = `requires at most ${plural(max)}`;
    err(`docker: '${path}' ${what}${usageTail(verb)}`);
    return 1;
  }
  const ctx: CommandContext = {
    session,
    client: new EngineClient(options.api),
    flags: parsed.flags,
    args: parsed.args,
    path,
    now: options.now ?? (() => new Date()),
    out,
    err,
    stdin: new StreamLineReader(session.stdin),
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    if (e instanceof DaemonError) err(`Error response from daemon: ${e.message}\n`);
    else if (e instanceof FlagError) {
      err(`${e.message}${usageTail()}`);
      return 125;
    } else if (e instanceof TemplateError) {
      err(`${e.message}\n`);
      return e.exitCode;
    } else if (e instanceof StreamError || e instanceof CliError) err(`${e.message}\n`);
    else if (e instanceof EngineError) err(`${e.message}\n`);
    else throw e;
    return 1;
  }
}

async function runRaw(session: CliSession, options: DockerCliOptions, raw: RawCommand, path: string, argv: string[]): Promise<number> {
  const out = (text: string) => session.stdout(text);
  const err = (text: string) => session.stderr(text);
  try {
    return await raw({ session, client: new EngineClient(options.api), argv, path, now: options.now ?? (() => new Date()), out, err });
  } catch (e) {
    if (e instanceof DaemonError) err(`Error response from daemon: ${e.message}\n`);
    else if (e instanceof TemplateError) {
      err(`${e.message}\n`);
      return e.exitCode;
    } else if (e instanceof EngineError || e instanceof CliError) err(`${e.message}\n`);
    else throw e;
    return 1;
  }
}

function notYet(err: (text: string) => void, name: string): number {
  err(`docker: '${name}' is not implemented in drydock yet\n\nWorking today: images (pull, push, images, rmi...), containers (run, ps, logs, exec, stop, rm...), volumes, networks.\n`);
  return 1;
}

function commandHelp(command: Command): string {
  const parts = [`Usage:  ${command.usage}`, command.description];
  if (command.aliases) parts.push(`Aliases:\n  ${command.aliases}`);
  if (command.flags.some((f) => !f.hidden)) parts.push(`Options:\n${flagsHelp(command.flags)}`);
  return `${parts.join('\n\n')}\n`;
}

function groupHelp(name: string, group: (typeof GROUPS)[string]): string {
  const seen = new Set<Command>();
  const rows: string[] = [];
  for (const [sub, cmd] of Object.entries(group.commands)) {
    if (seen.has(cmd)) continue;
    seen.add(cmd);
    rows.push(`  ${sub.padEnd(11)} ${cmd.description.split('\n')[0]}`);
  }
  const later = group.later.length > 0 ? `\n\nNot in drydock yet: ${group.later.join(', ')}` : '';
  return `Usage:  docker ${name} COMMAND\n\n${group.description}\n\nCommands:\n${rows.join('\n')}${later}\n\nRun 'docker ${name} COMMAND --help' for more information on a command.\n`;
}

function topHelp(): string {
  const row = (n: string, c: Command | string) => `  ${n.padEnd(11)} ${typeof c === 'string' ? c : c.description.split('\n')[0]}`;
  return [
    'Usage:  docker [OPTIONS] COMMAND',
    '',
    'A self-sufficient runtime for containers (drydock: a TypeScript engine driving a real Linux guest)',
    '',
    'Image commands:',
    row('pull', pull),
    row('push', push),
    row('images', images),
    row('history', history),
    row('inspect', inspect),
    row('tag', tag),
    row('rmi', rmi),
    row('build', build),
    row('login', login),
    row('logout', logout),
    '',
    'Container commands:',
    row('run', 'Create and run a new container from an image'),
    row('create', 'Create a new container'),
    row('start', 'Start one or more stopped containers'),
    row('ps', 'List containers'),
    row('logs', 'Fetch the logs of a container'),
    row('exec', 'Execute a command in a running container'),
    row('stop', c.stop),
    row('kill', c.kill),
    row('rm', c.rm),
    row('wait', c.wait),
    row('top', c.top),
    row('diff', c.diff),
    row('commit', c.commit),
    row('stats', c.stats),
    row('port', net.port),
    '',
    'Management Commands:',
    row('container', GROUPS.container?.description ?? ''),
    row('image', GROUPS.image?.description ?? ''),
    row('network', GROUPS.network?.description ?? ''),
    row('builder', GROUPS.builder?.description ?? ''),
    row('volume', GROUPS.volume?.description ?? ''),
    row('system', GROUPS.system?.description ?? ''),
    '',
    'Commands:',
    row('compose', 'Docker Compose'),
    row('events', events),
    row('info', info),
    row('version', version),
    '',
    `Not in drydock yet: ${LATER.slice(0, 12).join(', ')}, ...`,
    '',
    'Global Options:',
    flagsHelp(GLOBAL_FLAGS),
    '',
    "Run 'docker COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}
