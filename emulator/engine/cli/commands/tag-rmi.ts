// `docker tag` and `docker rmi` (Untagged:/Deleted: lines; each failure reported, exit 1 if any).
import type { DeleteItem } from '../../images/image-store.ts';
import { parseNormalizedNamed, referenceName } from '../../registry/reference.ts';
import type { Command } from '../command.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import { EngineError } from '../../errors.ts';

export const tag: Command = {
  usage: 'docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  aliases: 'docker image tag, docker tag',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx) {
    const [source, target] = ctx.args as [string, string];
    let ref;
    try {
      ref = parseNormalizedNamed(target);
    } catch (e) {
      throw new EngineError('REFERENCE_INVALID', `Error parsing reference: "${target}" is not a valid repository/tag: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (ref.digest) throw new EngineError('REFERENCE_INVALID', `refusing to create a tag with a digest reference`);
    await ctx.client.request('POST', `/images/${imagePath(source)}/tag`, { query: { repo: referenceName(ref), tag: ref.tag ?? 'latest' } });
    return 0;
  },
};

export const rmi: Command = {
  usage: 'docker rmi [OPTIONS] IMAGE [IMAGE...]',
  description: 'Remove one or more images',
  aliases: 'docker image rm, docker image remove, docker rmi',
  flags: [
    { name: 'force', short: 'f', type: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', description: 'Do not delete untagged parents' },
    { name: 'platform', type: 'strings', description: 'Remove only the given platform variant', hidden: true },
  ],
  args: { min: 1 },
  async run(ctx) {
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        const items = await ctx.client.json<DeleteItem[]>('DELETE', `/images/${imagePath(name)}`, {
          query: { force: ctx.flags.force === true, noprune: ctx.flags['no-prune'] === true },
        });
        for (const item of items) ctx.out('Untagged' in item ? `Untagged: ${item.Untagged}\n` : `Deleted: ${item.Deleted}\n`);
      } catch (e) {
        if (!(e instanceof DaemonError)) throw e;
        errors.push(`Error response from daemon: ${e.message}`);
      }
    }
    if (errors.length) ctx.err(`${errors.join('\n')}\n`);
    return errors.length ? 1 : 0;
  },
};
