// `docker image inspect` and `docker inspect` (images only until containers exist): a JSON array, or `--format`.
import type { Command, CommandContext } from '../command.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import { renderTemplate, TemplateError } from '../go-template.ts';

/**
 * The docker CLI decodes image inspect into the OCI image config type (every field `omitempty`) before a
 * template sees it: `{{json .Config}}` shows only what is set. Unset fields stay readable, just not enumerable.
 */
const OCI_CONFIG_FIELDS = new Set(['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'Shell']);

function asTemplateData(image: unknown): unknown {
  const item = image as { Config?: Record<string, unknown> };
  if (!item.Config) return image;
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item.Config)) {
    const empty = value === null || value === '' || value === false || (Array.isArray(value) && value.length === 0);
    Object.defineProperty(config, key, { value, enumerable: OCI_CONFIG_FIELDS.has(key) && !empty, writable: true, configurable: true });
  }
  return { ...item, Config: config };
}

async function inspectImages(ctx: CommandContext, format: string | undefined, generic = false): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of ctx.args) {
    try {
      found.push(await ctx.client.json('GET', `/images/${imagePath(name)}/json`));
    } catch (e) {
      if (!(e instanceof DaemonError) || e.status !== 404) throw e;
      errors.push(generic ? `Error: No such object: ${name}` : `Error response from daemon: ${e.message}`);
    }
  }
  if (!format) ctx.out(`${JSON.stringify(found, null, 4)}\n`);
  else if (format === 'json') ctx.out(`${JSON.stringify(found)}\n`);
  else {
    const template = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    for (const item of found) {
      try {
        ctx.out(`${renderTemplate(template, asTemplateData(item))}\n`);
      } catch (e) {
        // docker reports a failing field under the same heading as a template that does not parse
        if (e instanceof TemplateError && !e.message.startsWith('template parsing error')) throw new TemplateError(`template parsing error: ${e.message}`, e.exitCode);
        throw e;
      }
    }
  }
  for (const line of errors) ctx.err(`${line}\n`);
  return errors.length ? 1 : 0;
}

const FORMAT = { name: 'format', short: 'f', type: 'string' as const, description: "Format output using a custom template: 'json' or 'TEMPLATE' (a Go template)" };

export const imageInspect: Command = {
  usage: 'docker image inspect [OPTIONS] IMAGE [IMAGE...]',
  description: 'Display detailed information on one or more images',
  flags: [FORMAT, { name: 'platform', type: 'string', description: 'Inspect a specific platform of the multi-platform image', hidden: true }],
  args: { min: 1 },
  run: (ctx) => inspectImages(ctx, ctx.flags.format as string | undefined),
};

export const inspect: Command = {
  usage: 'docker inspect [OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  flags: [
    FORMAT,
    { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes if the type is container' },
    { name: 'type', type: 'string', description: 'Only inspect objects of the given type' },
  ],
  args: { min: 1 },
  async run(ctx) {
    const type = ctx.flags.type as string | undefined;
    if (type && type !== 'image') throw new DaemonError(`inspecting objects of type "${type}" is not implemented in drydock yet (images only)`, 501);
    return inspectImages(ctx, ctx.flags.format as string | undefined, true);
  },
};
