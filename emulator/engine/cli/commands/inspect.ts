// `docker image inspect` and `docker inspect` (images only until containers exist): a JSON array, or `--format`.
import type { Command, CommandContext } from '../command.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import { renderTemplate } from '../go-template.ts';

async function inspectImages(ctx: CommandContext, format: string | undefined): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of ctx.args) {
    try {
      found.push(await ctx.client.json('GET', `/images/${imagePath(name)}/json`));
    } catch (e) {
      if (!(e instanceof DaemonError) || e.status !== 404) throw e;
      errors.push(`Error: No such image: ${name}`);
    }
  }
  if (!format) ctx.out(`${JSON.stringify(found, null, 4)}\n`);
  else if (format === 'json') for (const item of found) ctx.out(`${JSON.stringify(item)}\n`);
  else for (const item of found) ctx.out(`${renderTemplate(format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), item)}\n`);
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
    return inspectImages(ctx, ctx.flags.format as string | undefined);
  },
};
