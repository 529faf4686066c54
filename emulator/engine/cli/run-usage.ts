// `docker run` / `docker create`'s usage: the help text (cobra and pflag's layout) and how their errors print, by
// where they come from (pflag, the CLI's checks, the daemon), with the docker CLI's exit statuses.
import { EngineError } from '../errors.ts';
import { flagsHelp } from './flags.ts';
import { RUN_FLAGS } from './run-flags.ts';
import type { RunParseContext } from './run-options.ts';

/** Exit status of the docker CLI when `run`/`create` fail before the container runs. */
const RUN_FAILURE_STATUS = 125;

/**
 * Where a run/create error comes from decides how the docker CLI (27/28, like the rest of drydock's CLI)
 * prints it: `flag` (pflag, through cobra's FlagErrorFunc), `cli` (the CLI's own option checks, reportError),
 * `option` (docker 28.2's option parsing, e.g. `-p` and `--network`: `docker: MESSAGE`, a blank line, `Run ... --help`),
 * `daemon` (`Error response from daemon:`), `args` (no image given).
 */
export type RunErrorOrigin = 'flag' | 'cli' | 'option' | 'daemon' | 'args';

export function runUsageError(message: string, ctx: Pick<RunParseContext, 'command'>, origin: RunErrorOrigin = 'cli'): EngineError {
  return new EngineError('INVALID_ARGUMENT', message, {
    details: { exitStatus: origin === 'args' ? 1 : RUN_FAILURE_STATUS, origin, command: `docker ${ctx.command}` },
  });
}

/** `docker run [OPTIONS] IMAGE [COMMAND] [ARG...]` for `docker run` (or create, container run, ...). */
function runUsageLine(command: string): string {
  return `${command} [OPTIONS] IMAGE [COMMAND] [ARG...]`;
}

/** The text the docker CLI prints for a run/create error of that origin (stderr; exit status in `details.exitStatus`). */
export function runErrorText(message: string, command: string, origin: RunErrorOrigin): string {
  switch (origin) {
    case 'flag':
      return `${message}\n\nUsage:  ${runUsageLine(command)}\n\nRun '${command} --help' for more information\n`;
    case 'cli':
      return `docker: ${message.replace(/\.$/, '')}.\nSee '${command} --help'.\n`;
    case 'option':
      return `docker: ${message}\n\nRun '${command} --help' for more information\n`;
    case 'daemon':
      return `docker: Error response from daemon: ${message}\n\nRun '${command} --help' for more information\n`;
    case 'args':
      return `docker: '${command}' requires at least 1 argument\n\nUsage:  ${runUsageLine(command)}\n\nSee '${command} --help' for more information\n`;
  }
}

/** How the CLI prints an error thrown by parseRunOptions (or createContainer: those are daemon errors). */
export function formatRunError(error: EngineError, command = 'docker run'): string {
  const details = error.details ?? {};
  const origin = (details['origin'] as RunErrorOrigin | undefined) ?? 'daemon';
  return runErrorText(error.message, (details['command'] as string | undefined) ?? command, origin);
}

/** `docker run --help` / `docker create --help`, laid out like cobra and pflag (descriptions at the widest flag + 3). */
export function runHelpText(command: 'run' | 'create' | 'container run' | 'container create'): string {
  const create = command.endsWith('create');
  const shown = RUN_FLAGS.filter((f) => !(create && (f.name === 'detach' || f.name === 'detach-keys' || f.name === 'sig-proxy')));
  const verb = create ? 'create' : 'run';
  return [
    '',
    `Usage:  ${runUsageLine(`docker ${command}`)}`,
    '',
    create ? 'Create a new container' : 'Create and run a new container from an image',
    '',
    'Aliases:',
    `  docker container ${verb}, docker ${verb}`,
    '',
    'Options:',
    flagsHelp(shown),
    '',
  ].join('\n');
}
