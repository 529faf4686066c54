// `docker pull` and `docker push`: the reference checked client-side, then the daemon's progress stream printed.
import { familiarString, parseNormalizedNamed, type Reference, referenceName, referenceString } from '../../registry/reference.ts';
import type { Command, CommandContext } from '../command.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import { displayJsonMessages } from '../json-messages.ts';

const GUEST_PLATFORM = 'linux/386';

function sink(ctx: CommandContext) {
  const columns = ctx.session.tty?.cols;
  return { write: (text: string) => ctx.out(text), ...(columns !== undefined ? { columns } : {}) };
}

/** `busybox` -> `Using default tag: latest` and the reference with it, as the docker CLI does before asking. */
function withDefaultTag(ctx: CommandContext, ref: Reference, quiet: boolean): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  if (!quiet) ctx.out('Using default tag: latest\n');
  return { ...ref, tag: 'latest' };
}

export const pull: Command = {
  usage: 'docker pull [OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  aliases: 'docker image pull, docker pull',
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', description: 'Download all tagged images in the repository' },
    { name: 'disable-content-trust', type: 'bool', description: 'Skip image verification', defaultValue: true },
    { name: 'platform', type: 'string', description: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx) {
    const quiet = ctx.flags.quiet === true;
    if (ctx.flags['all-tags']) throw new DaemonError('pulling all tags (-a) is not implemented in drydock yet', 501);
    const platform = ctx.flags.platform as string | undefined;
    if (platform && platform !== GUEST_PLATFORM && platform !== 'linux/i386') {
      throw new DaemonError(`drydock's guest runs ${GUEST_PLATFORM} only; --platform ${platform} cannot run here`, 400);
    }
    const ref = withDefaultTag(ctx, parseNormalizedNamed(ctx.args[0] as string), quiet);
    const response = await ctx.client.request('POST', '/images/create', {
      query: { fromImage: referenceName(ref), tag: ref.digest ?? ref.tag },
      signal: ctx.session.signal,
    });
    await displayJsonMessages(response.body ?? new ReadableStream(), quiet ? { write: () => {} } : sink(ctx));
    ctx.out(`${referenceString(ref)}\n`);
    return 0;
  },
};

export const push: Command = {
  usage: 'docker push [OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  aliases: 'docker image push, docker push',
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', description: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', type: 'bool', description: 'Skip image signing', defaultValue: true },
    { name: 'platform', type: 'string', description: 'Push a platform-specific manifest as a single-platform image to the registry', hidden: true },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx) {
    const quiet = ctx.flags.quiet === true;
    if (ctx.flags['all-tags']) throw new DaemonError('pushing all tags (-a) is not implemented in drydock yet', 501);
    const ref = withDefaultTag(ctx, parseNormalizedNamed(ctx.args[0] as string), quiet);
    if (ref.digest) throw new DaemonError(`cannot push a digest reference: ${ctx.args[0]}`, 400);
    const response = await ctx.client.request('POST', `/images/${imagePath(familiarString({ domain: ref.domain, path: ref.path }))}/push`, {
      query: { tag: ref.tag },
      signal: ctx.session.signal,
    });
    await displayJsonMessages(response.body ?? new ReadableStream(), quiet ? { write: () => {} } : sink(ctx));
    if (quiet) ctx.out(`${referenceString(ref)}\n`);
    return 0;
  },
};
