// A `docker run` command line as the daemon receives it: the create request drydock's CLI sends for it, and that
// request checked as dockerd checks any body. Daemon tests state their containers the way a learner types them;
// the daemon modules themselves never see the CLI.
import type { ContainerCreateConfig } from '../../../emulator/engine/api/types/container.ts';
import { parseRunOptions, type CreateBody } from '../../../emulator/engine/cli/run-options.ts';
import { verifyCreateRequest } from '../../../emulator/engine/containers/create-config.ts';

/** What the CLI sends for `line` (split on spaces, or argv as given), `cwd` its working directory. */
export async function createRequestFor(line: string | readonly string[], cwd = '/'): Promise<{ body: CreateBody; name?: string; platform?: string }> {
  const argv = typeof line === 'string' ? line.split(' ').filter(Boolean) : [...line];
  const options = await parseRunOptions(argv, { command: 'run', env: {}, cwd, readFile: async () => undefined });
  if ('help' in options) throw new Error(`help asked for: ${argv.join(' ')}`);
  return options;
}

/** The same request as the daemon works from it, once through JSON as on the wire. */
export async function createConfigFor(line: string | readonly string[], cwd = '/'): Promise<ContainerCreateConfig> {
  const { body, name, platform } = await createRequestFor(line, cwd);
  return verifyCreateRequest(JSON.parse(JSON.stringify(body)), { name: name ?? null, platform: platform ?? null });
}
