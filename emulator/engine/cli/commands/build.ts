// `docker build` (and `docker image build`, `docker builder prune`): flags like the docker CLI's, the context named
// by its guest path (the engine reads it from the share), BuildKit's plain progress on stderr, `-q` the ID only.
import { PlainProgress, type BuildEvent } from '../../builder/progress.ts';
import { type Command, CliError } from '../command.ts';
import { DaemonError, StreamError } from '../engine-client.ts';
import { displayJsonMessages } from '../json-messages.ts';
import { humanSize } from '../../units/human.ts';
import { resolvePath } from '../../slash-path.ts';


export const build: Command = {
  usage: 'docker buildx build [OPTIONS] PATH | URL | -',
  description: 'Start a build',
  aliases: 'docker build, docker builder build, docker image build, docker buildx b',
  flags: [
    { name: 'build-arg', type: 'strings', valueName: 'stringArray', description: 'Set build-time variables' },
    { name: 'file', short: 'f', type: 'string', description: 'Name of the Dockerfile (default: "PATH/Dockerfile")' },
    { name: 'no-cache', type: 'bool', description: 'Do not use cache when building the image' },
    { name: 'progress', type: 'string', description: 'Set type of progress output ("auto", "plain", "tty", "quiet", "rawjson"). Use plain to show container output', defaultValue: 'auto' },
    { name: 'pull', type: 'bool', description: 'Always attempt to pull all referenced images', hidden: true },
    { name: 'platform', type: 'string', description: 'Set target platform for build', hidden: true },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the build output and print image ID on success' },
    { name: 'tag', short: 't', type: 'strings', valueName: 'stringArray', description: 'Image identifier (format: "[registry/]repository[:tag]")' },
    { name: 'target', type: 'string', description: 'Set the target build stage to build' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx) {
    const where = ctx.args[0] as string;
    if (where === '-' || /^[a-z]+:\/\//i.test(where) || where.startsWith('git@')) {
      throw new CliError(`ERROR: drydock builds from a directory in the guest; "${where}" (stdin or a URL) is not supported yet`);
    }
    const platform = ctx.flags.platform as string | undefined;
    if (platform && platform !== 'linux/386' && platform !== 'linux/i386') throw new CliError(`ERROR: drydock's guest runs linux/386 only; --platform ${platform} cannot run here`);
    const progressMode = (ctx.flags.progress as string) || 'auto';
    if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(progressMode)) throw new CliError(`ERROR: invalid progress mode ${progressMode}`);
    const quiet = ctx.flags.quiet === true || progressMode === 'quiet';
    const context = resolvePath(ctx.session.cwd, where);
    const file = ctx.flags.file as string | undefined;
    const buildArgs: Record<string, string> = {};
    for (const a of (ctx.flags['build-arg'] as string[] | undefined) ?? []) {
      const eq = a.indexOf('=');
      if (eq >= 0) buildArgs[a.slice(0, eq)] = a.slice(eq + 1);
      else if (ctx.session.env[a] !== undefined) buildArgs[a] = ctx.session.env[a] as string;
    }
    const params = new URLSearchParams();
    for (const t of (ctx.flags.tag as string[] | undefined) ?? []) params.append('t', t);
    params.set('context', context);
    // -f is relative to the working directory, like the docker CLI; the engine takes it relative to the context or absolute.
    if (file) params.set('dockerfile', resolvePath(ctx.session.cwd, file));
    if (Object.keys(buildArgs).length > 0) params.set('buildargs', JSON.stringify(buildArgs));
    if (ctx.flags['no-cache']) params.set('nocache', '1');
    if (ctx.flags.target) params.set('target', ctx.flags.target as string);
    if (quiet) params.set('q', '1');
    params.set('version', '2');

    // Progress goes to stderr, as BuildKit's does; a tty gets the plain printer too (no redrawn panel yet).
    // Lines are gathered per event loop turn: each write is one frame over the agent's serial line.
    let pending = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (pending) ctx.err(pending);
      pending = '';
    };
    const printer = new PlainProgress((t) => {
      pending += t;
      if (pending.length > 4096) flush();
      else timer ??= setTimeout(flush, 0);
    });
    let id: string | undefined;
    let failure: Extract<BuildEvent, { type: 'failed' }> | undefined;
    let response: Response;
    try {
      response = await ctx.client.request('POST', `/build?${params.toString()}`, { signal: ctx.session.signal });
    } catch (e) {
      // buildx prints the daemon's refusals (a missing context) as its own errors
      if (!(e instanceof DaemonError)) throw e;
      ctx.err(`ERROR: ${e.message}\n`);
      return 1;
    }
    if (!quiet && progressMode !== 'rawjson') printer.header();
    try {
      await displayJsonMessages(response.body ?? new ReadableStream(), { write: () => {} }, (aux) => {
        const a = aux as { ID?: string } & Partial<BuildEvent>;
        if (typeof a.ID === 'string' && a.type === undefined) {
          id = a.ID;
          return;
        }
        const e = aux as BuildEvent;
        if (e.type === 'failed') failure = e;
        if (quiet && e.type !== 'failed') return;
        if (progressMode === 'rawjson') ctx.err(`${JSON.stringify(e)}\n`);
        else printer.event(e);
      });
    } catch (e) {
      if (!(e instanceof StreamError)) throw e;
      if (quiet && failure) printer.event(failure);
      flush();
      ctx.err(`ERROR: failed to solve: ${e.message}\n`);
      return 1;
    }
    flush();
    if (quiet && id) ctx.out(`${id}\n`);
    return 0;
  },
};

export const builderPrune: Command = {
  usage: 'docker builder prune',
  description: 'Remove build cache',
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused build cache, not just dangling ones' },
    { name: 'filter', type: 'strings', valueName: 'filter', description: 'Provide filter values (e.g. "until=24h")', hidden: true },
    { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx) {
    if (!ctx.flags.force) {
      ctx.out(`WARNING! This will remove all ${ctx.flags.all ? '' : 'dangling '}build cache. Are you sure you want to continue? [y/N] `);
      const answer = (await ctx.stdin.readLine())?.trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') return 0;
    }
    const r = await ctx.client.json<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/build/prune', { query: { all: ctx.flags.all === true } });
    const deleted = r.CachesDeleted ?? [];
    if (deleted.length > 0) ctx.out(`Deleted build cache objects:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
    return 0;
  },
};
