// Container and volume commands with plain flags: stop, kill, restart, rm, wait, pause, unpause, top, diff, commit, stats,
// inspect (containers before images, as docker looks them up), container prune, volume create/ls/inspect/rm/prune.
import { changeLines, type Change } from '../../containers/container-changes.ts';
import { STATS_HEADERS, STATS_TABLE, statsRow, type StatsDocument } from '../stats-format.ts';
import { VOLUME_FORMAT, volumeRow } from '../../containers/volume-format.ts';
import type { VolumeJSON } from '../../containers/volume-store.ts';
import { FORMAT_FLAG, type Command, type CommandContext } from '../command.ts';
import { inspect as imagesInspect } from './inspect.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import { renderTemplate } from '../go-template.ts';
import { formatList } from '../output-format.ts';

const enc = (s: string) => encodeURIComponent(s);

/** Runs `each` for every argument; daemon errors are printed per argument and make the exit status 1. */
async function forEach(ctx: CommandContext, each: (name: string) => Promise<void>): Promise<number> {
  let status = 0;
  for (const name of ctx.args) {
    try {
      await each(name);
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      ctx.err(`Error response from daemon: ${e.message}\n`);
      status = 1;
    }
  }
  return status;
}

export const stop: Command = {
  usage: 'docker stop [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Stop one or more running containers',
  aliases: 'docker container stop, docker stop',
  flags: [
    { name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' },
    { name: 'time', short: 't', type: 'string', valueName: 'int', description: 'Seconds to wait before killing the container' },
  ],
  args: { min: 1 },
  run: (ctx) =>
    forEach(ctx, async (name) => {
      await ctx.client.request('POST', `/containers/${enc(name)}/stop`, { query: { t: ctx.flags.time as string | undefined, signal: ctx.flags.signal as string | undefined } });
      ctx.out(`${name}\n`);
    }),
};

export const restart: Command = {
  ...stop,
  usage: 'docker restart [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Restart one or more containers',
  aliases: 'docker container restart, docker restart',
  run: (ctx) =>
    forEach(ctx, async (name) => {
      await ctx.client.request('POST', `/containers/${enc(name)}/restart`, { query: { t: ctx.flags.time as string | undefined } });
      ctx.out(`${name}\n`);
    }),
};

export const kill: Command = {
  usage: 'docker kill [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Kill one or more running containers',
  aliases: 'docker container kill, docker kill',
  flags: [{ name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' }],
  args: { min: 1 },
  run: (ctx) =>
    forEach(ctx, async (name) => {
      await ctx.client.request('POST', `/containers/${enc(name)}/kill`, { query: { signal: ctx.flags.signal as string | undefined } });
      ctx.out(`${name}\n`);
    }),
};

export const rm: Command = {
  usage: 'docker rm [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Remove one or more containers',
  aliases: 'docker container rm, docker container remove, docker rm',
  flags: [
    { name: 'force', short: 'f', type: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', type: 'bool', description: 'Remove the specified link' },
    { name: 'volumes', short: 'v', type: 'bool', description: 'Remove anonymous volumes associated with the container' },
  ],
  args: { min: 1 },
  run: (ctx) =>
    forEach(ctx, async (name) => {
      await ctx.client.request('DELETE', `/containers/${enc(name)}`, { query: { force: ctx.flags.force === true, v: ctx.flags.volumes === true } });
      ctx.out(`${name}\n`);
    }),
};

export const wait: Command = {
  usage: 'docker wait CONTAINER [CONTAINER...]',
  description: 'Block until one or more containers stop, then print their exit codes',
  aliases: 'docker container wait, docker wait',
  flags: [],
  args: { min: 1 },
  run: (ctx) =>
    forEach(ctx, async (name) => {
      const r = await ctx.client.json<{ StatusCode: number }>('POST', `/containers/${enc(name)}/wait`, { signal: ctx.session.signal });
      ctx.out(`${r.StatusCode}\n`);
    }),
};

const simple = (verb: 'pause' | 'unpause', description: string): Command => ({
  usage: `docker ${verb} CONTAINER [CONTAINER...]`,
  description,
  aliases: `docker container ${verb}, docker ${verb}`,
  flags: [],
  args: { min: 1 },
  run: (ctx) =>
    forEach(ctx, async (name) => {
      await ctx.client.request('POST', `/containers/${enc(name)}/${verb}`);
      ctx.out(`${name}\n`);
    }),
});

export const pause = simple('pause', 'Pause all processes within one or more containers');
export const unpause = simple('unpause', 'Unpause all processes within one or more containers');

export const top: Command = {
  usage: 'docker top CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  aliases: 'docker container top, docker top',
  flags: [],
  args: { min: 1 },
  async run(ctx) {
    const r = await ctx.client.json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${enc(ctx.args[0] as string)}/top`);
    const rows = [r.Titles, ...r.Processes];
    const widths = r.Titles.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
    ctx.out(rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 4))).join('')).join('\n') + '\n');
    return 0;
  },
};

export const diff: Command = {
  usage: 'docker diff CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  aliases: 'docker container diff, docker diff',
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx) {
    const changes = await ctx.client.json<Change[]>('GET', `/containers/${enc(ctx.args[0] as string)}/changes`);
    ctx.out(changeLines(changes));
    return 0;
  },
};

export const commit: Command = {
  usage: 'docker commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes",
  aliases: 'docker container commit, docker commit',
  flags: [
    { name: 'author', short: 'a', type: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'message', short: 'm', type: 'string', description: 'Commit message' },
    { name: 'pause', short: 'p', type: 'bool', description: 'Pause container during commit (default true)' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx) {
    const [container = '', reference = ''] = ctx.args;
    // The tag is what follows the last colon after the last slash (a registry port is not a tag).
    const colon = reference.lastIndexOf(':');
    const split = colon > reference.lastIndexOf('/');
    const r = await ctx.client.json<{ Id: string }>('POST', '/commit', {
      query: {
        container,
        repo: split ? reference.slice(0, colon) : reference,
        tag: split ? reference.slice(colon + 1) : '',
        comment: ctx.flags.message as string | undefined,
        author: ctx.flags.author as string | undefined,
      },
    });
    ctx.out(`${r.Id}\n`);
    return 0;
  },
};

export const stats: Command = {
  usage: 'docker stats [OPTIONS] [CONTAINER...]',
  description: 'Display a live stream of container(s) resource usage statistics',
  aliases: 'docker container stats, docker stats',
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
    { name: 'no-stream', type: 'bool', description: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', type: 'bool', description: 'Do not truncate output' },
    FORMAT_FLAG,
  ],
  async run(ctx) {
    const named = ctx.args.length > 0;
    const noTrunc = ctx.flags['no-trunc'] === true;
    const targets = async () =>
      named ? [...ctx.args] : (await ctx.client.json<{ Id: string }[]>('GET', '/containers/json', { query: { all: ctx.flags.all === true } })).map((c) => c.Id);
    const rowOf = (name: string, s: StatsDocument) => statsRow(s, { container: named ? name : s.id.slice(0, 12), noTrunc });
    const table = (rows: Record<string, string>[]) => formatList(ctx.flags.format as string | undefined, rows, { defaultTable: STATS_TABLE, headers: STATS_HEADERS });
    if (ctx.flags['no-stream']) {
      // like dockerd's stream=false: each document carries two samples a second apart; all containers at once
      const names = await targets();
      const results = await Promise.all(
        names.map((name) =>
          ctx.client.json<StatsDocument>('GET', `/containers/${enc(name)}/stats`, { query: { stream: 'false' }, signal: ctx.session.signal }).then(
            (s) => ({ name, s }),
            (e: unknown) => ({ name, e }),
          ),
        ),
      );
      const errors = results.flatMap((r) => ('e' in r ? [r.e] : []));
      for (const e of errors) if (!(e instanceof DaemonError)) throw e;
      if (errors.length) {
        ctx.err(`Error response from daemon: ${errors.map((e) => (e as Error).message).join('\n')}\n`);
        return 1;
      }
      ctx.out(table(results.map((r) => rowOf(r.name, (r as { s: StatsDocument }).s))));
      return 0;
    }
    // Streaming: a stats stream per container keeps its latest document; the screen is redrawn twice a second
    // (the CLI's refresh) until ^C ends the session.
    const latest = new Map<string, { name: string; doc?: StatsDocument; ended: boolean }>();
    const follow = (name: string) => {
      const entry: { name: string; doc?: StatsDocument; ended: boolean } = { name, ended: false };
      latest.set(name, entry);
      void (async () => {
        const response = await ctx.client.request('GET', `/containers/${enc(name)}/stats`, { query: { stream: 'true' }, signal: ctx.session.signal });
        const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
        const decoder = new TextDecoder();
        let buffered = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffered += decoder.decode(value, { stream: true });
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) if (line.trim()) entry.doc = JSON.parse(line) as StatsDocument;
        }
      })()
        .catch(() => undefined)
        .finally(() => (entry.ended = true));
    };
    try {
      for (const name of await targets()) follow(name);
    } catch (e) {
      if (!(e instanceof DaemonError)) throw e;
      ctx.err(`Error response from daemon: ${e.message}\n`);
      return 1;
    }
    const signal = ctx.session.signal;
    while (!signal.aborted) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 500);
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
      if (signal.aborted) break;
      if (!named) {
        // containers that started since come in, those that stopped go (the CLI follows the daemon's events)
        const now = new Set(await targets().catch(() => [...latest.keys()]));
        for (const name of now) if (!latest.has(name)) follow(name);
        for (const [name, e] of latest) if (!now.has(name) && e.ended) latest.delete(name);
      }
      const rows = [...latest.values()].flatMap((e) => (e.doc ? [rowOf(e.name, e.doc)] : []));
      ctx.out(`\x1b[2J\x1b[H${table(rows)}`);
    }
    return 0;
  },
};

const INSPECT_FORMAT = { name: 'format', short: 'f', type: 'string' as const, description: "Format output using a custom template: 'json' or 'TEMPLATE' (a Go template)" };

/** Prints inspect documents like the docker CLI: an indented JSON array, `json`, or a template per item. */
function printInspect(ctx: CommandContext, found: unknown[], format: string | undefined): void {
  if (!format) ctx.out(`${JSON.stringify(found, null, 4)}\n`);
  else if (format === 'json') ctx.out(`${JSON.stringify(found)}\n`);
  else {
    const template = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    for (const item of found) ctx.out(`${renderTemplate(template, item)}\n`);
  }
}

/** `docker inspect`: a container first, then an image, a network, a volume (as docker's object lookup does). */
export const inspect: Command = {
  usage: 'docker inspect [OPTIONS] NAME|ID [NAME|ID...]',
  description: 'Return low-level information on Docker objects',
  flags: [
    INSPECT_FORMAT,
    { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes if the type is container' },
    { name: 'type', type: 'string', description: 'Only inspect objects of the given type' },
  ],
  args: { min: 1 },
  async run(ctx) {
    const type = ctx.flags.type as string | undefined;
    const paths = (name: string) => {
      const all: Record<string, string> = { container: `/containers/${enc(name)}/json`, image: `/images/${imagePath(name)}/json`, network: `/networks/${enc(name)}`, volume: `/volumes/${enc(name)}` };
      return type ? [all[type] ?? all.container] : Object.values(all);
    };
    if (type === 'image') return imagesInspect.run(ctx);
    const containers = new Map<string, unknown>();
    for (const name of ctx.args) {
      try {
        containers.set(name, await ctx.client.json('GET', `/containers/${enc(name)}/json`));
      } catch (e) {
        if (!(e instanceof DaemonError) || e.status !== 404) throw e;
      }
    }
    // No container among them: the image inspect as it was (its template data hides unset OCI config fields).
    if (containers.size === 0 && type === undefined) return imagesInspect.run(ctx);
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const name of ctx.args) {
      let item: unknown = containers.get(name);
      for (const p of item === undefined ? paths(name) : []) {
        try {
          item = await ctx.client.json('GET', p as string);
          break;
        } catch (e) {
          if (!(e instanceof DaemonError) || e.status !== 404) throw e;
        }
      }
      if (item === undefined) errors.push(`Error: No such object: ${name}`);
      else found.push(item);
    }
    printInspect(ctx, found, ctx.flags.format as string | undefined);
    for (const line of errors) ctx.err(`${line}\n`);
    return errors.length ? 1 : 0;
  },
};

export const containerInspect: Command = {
  usage: 'docker container inspect [OPTIONS] CONTAINER [CONTAINER...]',
  description: 'Display detailed information on one or more containers',
  flags: [INSPECT_FORMAT, { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes' }],
  args: { min: 1 },
  async run(ctx) {
    const found: unknown[] = [];
    const status = await forEach(ctx, async (name) => void found.push(await ctx.client.json('GET', `/containers/${enc(name)}/json`)));
    printInspect(ctx, found, ctx.flags.format as string | undefined);
    return status;
  },
};

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.flags.force === true) return true;
  ctx.out(`${question}\nAre you sure you want to continue? [y/N] `);
  const answer = (await ctx.stdin.readLine())?.trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

export const containerPrune: Command = {
  usage: 'docker container prune [OPTIONS]',
  description: 'Remove all stopped containers',
  flags: [
    { name: 'filter', type: 'strings', valueName: 'filter', description: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx) {
    if (!(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return 0;
    const labels = ((ctx.flags.filter as string[] | undefined) ?? []).filter((f) => f.startsWith('label=')).map((f) => f.slice(6));
    const r = await ctx.client.json<{ ContainersDeleted: string[] | null }>('POST', '/containers/prune', { query: { filters: labels.length ? JSON.stringify({ label: Object.fromEntries(labels.map((l) => [l, true])) }) : undefined } });
    const deleted = r.ContainersDeleted ?? [];
    if (deleted.length) ctx.out(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
    ctx.out('Total reclaimed space: 0B\n');
    return 0;
  },
};

export const volumeCreate: Command = {
  usage: 'docker volume create [OPTIONS] [VOLUME]',
  description: 'Create a volume',
  flags: [
    { name: 'driver', short: 'd', type: 'string', description: 'Specify volume driver name', defaultValue: 'local' },
    { name: 'label', type: 'strings', valueName: 'list', description: 'Set metadata for a volume' },
    { name: 'name', type: 'string', description: 'Specify volume name', hidden: true },
  ],
  args: { max: 1 },
  async run(ctx) {
    const name = ctx.args[0] ?? (ctx.flags.name as string | undefined);
    const labels = Object.fromEntries(((ctx.flags.label as string[] | undefined) ?? []).map((l) => [l.split('=')[0], l.split('=').slice(1).join('=')]));
    const v = await ctx.client.json<VolumeJSON>('POST', '/volumes/create', { body: { ...(name ? { Name: name } : {}), Driver: ctx.flags.driver, Labels: labels } });
    ctx.out(`${v.Name}\n`);
    return 0;
  },
};

export const volumeLs: Command = {
  usage: 'docker volume ls [OPTIONS]',
  description: 'List volumes',
  aliases: 'docker volume ls, docker volume list',
  flags: [
    { name: 'filter', short: 'f', type: 'strings', valueName: 'filter', description: "Provide filter values (e.g. 'dangling=true')" },
    FORMAT_FLAG,
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display volume names' },
  ],
  args: { max: 0 },
  async run(ctx) {
    const filters: Record<string, Record<string, boolean>> = {};
    for (const f of (ctx.flags.filter as string[] | undefined) ?? []) {
      const [k = '', ...v] = f.split('=');
      (filters[k] ??= {})[v.join('=')] = true;
    }
    const r = await ctx.client.json<{ Volumes: VolumeJSON[] }>('GET', '/volumes', { query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
    if (ctx.flags.quiet === true) ctx.out(r.Volumes.map((v) => `${v.Name}\n`).join(''));
    else ctx.out(formatList(ctx.flags.format as string | undefined, r.Volumes.map((v) => volumeRow(v)), VOLUME_FORMAT));
    return 0;
  },
};

export const volumeInspect: Command = {
  usage: 'docker volume inspect [OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  flags: [INSPECT_FORMAT],
  args: { min: 1 },
  async run(ctx) {
    const found: unknown[] = [];
    const status = await forEach(ctx, async (name) => void found.push(await ctx.client.json('GET', `/volumes/${enc(name)}`)));
    printInspect(ctx, found, ctx.flags.format as string | undefined);
    return status;
  },
};

export const volumeRm: Command = {
  usage: 'docker volume rm [OPTIONS] VOLUME [VOLUME...]',
  description: 'Remove one or more volumes',
  aliases: 'docker volume rm, docker volume remove',
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the removal of one or more volumes' }],
  args: { min: 1 },
  run: (ctx) =>
    forEach(ctx, async (name) => {
      await ctx.client.request('DELETE', `/volumes/${enc(name)}`, { query: { force: ctx.flags.force === true } });
      ctx.out(`${name}\n`);
    }),
};

export const volumePrune: Command = {
  usage: 'docker volume prune [OPTIONS]',
  description: 'Remove unused local volumes',
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'filter', type: 'strings', valueName: 'filter', description: 'Provide filter values' },
    { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx) {
    if (!(await confirm(ctx, 'WARNING! This will remove anonymous local volumes not used by at least one container.'))) return 0;
    const r = await ctx.client.json<{ VolumesDeleted: string[] | null }>('POST', '/volumes/prune', { query: { filters: ctx.flags.all === true ? JSON.stringify({ all: { true: true } }) : undefined } });
    const deleted = r.VolumesDeleted ?? [];
    if (deleted.length) ctx.out(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    ctx.out('Total reclaimed space: 0B\n');
    return 0;
  },
};
