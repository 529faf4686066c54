// `docker compose ...` (the Compose v2 plugin's command line): its global flags, then a subcommand. Errors print as
// Compose prints them (the bare message, exit 1); flag errors as cobra's.
import { EngineError } from '../../errors.ts';
import { CliError } from '../command.ts';
import type { RawCommand } from '../commands/raw-command.ts';
import { DaemonError, StreamError } from '../engine-client.ts';
import { FlagError, flagsHelp, parseFlags, type FlagSpec } from '../flags.ts';
import { ComposeContext } from './compose-context.ts';
import { SUBCOMMANDS } from './commands.ts';

const GLOBAL: FlagSpec[] = [
  { name: 'file', short: 'f', type: 'list', valueName: 'stringArray', description: 'Compose configuration files' },
  { name: 'project-name', short: 'p', type: 'string', description: 'Project name' },
  { name: 'project-directory', type: 'string', description: 'Specify an alternate working directory\n(default: the path of the, first specified, Compose file)' },
  { name: 'env-file', type: 'list', valueName: 'stringArray', description: 'Specify an alternate environment file' },
  { name: 'profile', type: 'list', valueName: 'stringArray', description: 'Specify a profile to enable' },
  { name: 'ansi', type: 'string', description: 'Control when to print ANSI control characters ("never"|"always"|"auto")', defaultValue: 'auto' },
  { name: 'progress', type: 'string', description: 'Set type of progress output (auto, tty, plain, json, quiet)', hidden: true },
  { name: 'dry-run', type: 'bool', description: 'Execute command in dry run mode', hidden: true },
];

function help(): string {
  const rows = Object.entries(SUBCOMMANDS).map(([n, c]) => `  ${n.padEnd(11)} ${c.description}`);
  return `\nUsage:  docker compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with Docker\n\nOptions:\n${flagsHelp(GLOBAL)}\n\nCommands:\n${rows.join('\n')}\n\nNot in drydock yet: attach, cp, create, events, images, kill, pause, rm, scale, stats, unpause, version, wait, watch\n\nRun 'docker compose COMMAND --help' for more information on a command.\n`;
}

export const composeCommand: RawCommand = async (raw) => {
  let global;
  try {
    global = parseFlags(raw.argv, GLOBAL, { interspersed: false });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    raw.err(`${e.message}\n`);
    return 1;
  }
  const [name, ...rest] = global.args;
  if (name === undefined || global.help || name === 'help') {
    raw.out(help());
    return 0;
  }
  if ((global.flags.profile as string[] | undefined)?.length) {
    raw.err('drydock does not run Compose profiles yet\n');
    return 1;
  }
  if (global.flags['dry-run']) {
    raw.err('drydock does not run Compose in dry-run mode yet\n');
    return 1;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    raw.err(`unknown docker command: "compose ${name}"\n`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseFlags(rest, sub.flags, { interspersed: !sub.stopAtArgs });
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    raw.err(`${e.message}\n`);
    return 1;
  }
  if (parsed.help) {
    raw.out(`\nUsage:  ${sub.usage}\n\n${sub.description}\n\nOptions:\n${flagsHelp(sub.flags)}\n`);
    return 0;
  }
  const projectName = global.flags['project-name'] as string | undefined;
  const projectDirectory = global.flags['project-directory'] as string | undefined;
  const ctx = new ComposeContext(raw, {
    files: (global.flags.file as string[] | undefined) ?? [],
    envFiles: (global.flags['env-file'] as string[] | undefined) ?? [],
    ...(projectName !== undefined ? { projectName } : {}),
    ...(projectDirectory !== undefined ? { projectDirectory } : {}),
  });
  try {
    return await sub.run(ctx, parsed.flags, parsed.args);
  } catch (e) {
    if (e instanceof DaemonError) raw.err(`Error response from daemon: ${e.message}\n`);
    else if (e instanceof CliError || e instanceof StreamError || e instanceof EngineError) raw.err(`${e.message}\n`);
    else throw e;
    return 1;
  }
};
