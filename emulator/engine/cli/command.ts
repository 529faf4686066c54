// What a docker subcommand is to the CLI: its usage line, help text, flags, argument count and what it runs.
import type { CliSession } from './cli-session.ts';
import type { EngineClient } from './engine-client.ts';
import type { FlagSpec, FlagValues } from './flags.ts';

export interface CommandContext {
  session: CliSession;
  client: EngineClient;
  flags: FlagValues;
  args: string[];
  /** `docker image pull` or `docker pull`, as typed: error messages name it */
  path: string;
  now: () => Date;
  out(text: string): void;
  err(text: string): void;
  stdin: LineReader;
}

/** Reads the shim's stdin a line at a time (login prompts) or whole (`--password-stdin`). */
export interface LineReader {
  readLine(): Promise<string | undefined>;
  readAll(): Promise<string>;
}

export interface Command {
  /** usage after `Usage:  ` */
  usage: string;
  description: string;
  /** e.g. `docker image pull, docker pull` */
  aliases?: string;
  flags: FlagSpec[];
  args?: { min?: number; max?: number };
  /** resolves to the exit status */
  run(ctx: CommandContext): Promise<number>;
}

/** `--format` as list commands describe it */
export const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  type: 'string',
  description: [
    'Format output using a custom template:',
    "'table':            Print output in table format with column headers (default)",
    "'table TEMPLATE':   Print output in table format using the given Go template",
    "'json':             Print in JSON format",
    "'TEMPLATE':         Print output using the given Go template.",
    'Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates',
  ].join('\n'),
};

/** An error the CLI itself reports (not the daemon): printed as is, exit 1. */
export class CliError extends Error {}
