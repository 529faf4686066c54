// `docker images` / `docker image ls`: rows per repository and tag, as the docker CLI's image formatter lays them out.
import { filtersQuery } from '../filter-flag.ts';
import type { ImageSummary } from '../../images/image-api.ts';
import type { Command } from '../command.ts';
import { FORMAT_FLAG } from '../command.ts';
import { FlagError } from '../flags.ts';
import { formatList } from '../output-format.ts';
import { createdSince, goTimeString, humanSize } from '../../units/human.ts';
import { DaemonError } from '../engine-client.ts';

export const images: Command = {
  usage: 'docker images [OPTIONS] [REPOSITORY[:TAG]]',
  description: 'List images',
  aliases: 'docker image ls, docker image list, docker images',
  flags: [
    { name: 'all', short: 'a', type: 'bool', description: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', description: 'Show digests' },
    { name: 'filter', short: 'f', type: 'strings', valueName: 'filter', description: 'Filter output based on conditions provided' },
    FORMAT_FLAG,
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
    { name: 'tree', type: 'bool', description: 'List multi-platform images as a tree (EXPERIMENTAL)', hidden: true },
  ],
  args: { max: 1 },
  async run(ctx) {
    if (ctx.flags.tree) throw new DaemonError('--tree is not implemented in drydock yet (every image here is linux/386 only)', 501);
    // `docker images NAME` is a reference filter, as the CLI adds it
    const flags = [...((ctx.flags.filter as string[] | undefined) ?? []), ...(ctx.args[0] ? [`reference=${ctx.args[0]}`] : [])];
    const list = await ctx.client.json<ImageSummary[]>('GET', '/images/json', {
      query: { all: ctx.flags.all === true, filters: filtersQuery(flags, (m) => new FlagError(m)) },
    });
    const trunc = ctx.flags['no-trunc'] !== true;
    const id = (full: string) => (trunc ? full.replace(/^sha256:/, '').slice(0, 12) : full);
    const digests = ctx.flags.digests === true;
    const now = ctx.now();
    const rows = list.flatMap((image) =>
      imageRows(image, digests).map(([repository, tag, digest]) => ({
        Containers: image.Containers >= 0 ? String(image.Containers) : 'N/A',
        CreatedAt: goTimeString(image.Created),
        CreatedSince: createdSince(image.Created, now),
        Digest: digest || '<none>',
        ID: id(image.Id),
        Repository: repository,
        SharedSize: image.SharedSize >= 0 ? humanSize(image.SharedSize) : 'N/A',
        Size: humanSize(image.Size),
        Tag: tag,
        UniqueSize: image.SharedSize >= 0 ? humanSize(image.Size - image.SharedSize) : 'N/A',
        VirtualSize: humanSize(image.Size, 4),
      })),
    );
    if (ctx.flags.quiet) {
      // one ID per row, so an image with two tags shows twice, as with docker
      ctx.out(rows.map((r) => `${r.ID}\n`).join(''));
      return 0;
    }
    const defaultTable = digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    ctx.out(
      formatList(ctx.flags.format as string | undefined, rows, {
        defaultTable: defaultTable.slice('table '.length),
        headers: {
          Repository: 'REPOSITORY',
          Tag: 'TAG',
          Digest: 'DIGEST',
          ID: 'IMAGE ID',
          CreatedSince: 'CREATED',
          CreatedAt: 'CREATED AT',
          Size: 'SIZE',
          Containers: 'CONTAINERS',
          SharedSize: 'SHARED SIZE',
          UniqueSize: 'UNIQUE SIZE',
          VirtualSize: 'SIZE',
        },
      }),
    );
    return 0;
  },
};

/** [repository, tag, digest] rows of one image, after the docker CLI's imageFormat. */
function imageRows(image: ImageSummary, withDigests: boolean): [string, string, string][] {
  const tags = new Map<string, string[]>();
  const digests = new Map<string, string[]>();
  for (const t of image.RepoTags) {
    if (t === '<none>:<none>') continue;
    const colon = t.lastIndexOf(':');
    const [repo, tag] = colon > t.lastIndexOf('/') ? [t.slice(0, colon), t.slice(colon + 1)] : [t, '<none>'];
    tags.set(repo, [...(tags.get(repo) ?? []), tag]);
  }
  for (const d of image.RepoDigests) {
    if (d === '<none>@<none>') continue;
    const at = d.indexOf('@');
    if (at < 0) continue;
    const repo = d.slice(0, at);
    digests.set(repo, [...(digests.get(repo) ?? []), d.slice(at + 1)]);
  }
  const rows: [string, string, string][] = [];
  for (const [repo, repoTags] of tags) {
    const ds = digests.get(repo) ?? [];
    digests.delete(repo);
    for (const tag of repoTags) {
      if (!withDigests) rows.push([repo, tag, '']);
      else if (ds.length === 0) rows.push([repo, tag, '<none>']);
      else for (const d of ds) rows.push([repo, tag, d]);
    }
  }
  for (const [repo, ds] of digests) {
    if (!withDigests) rows.push([repo, '<none>', '']);
    else for (const d of ds) rows.push([repo, '<none>', d]);
  }
  if (rows.length === 0) rows.push(['<none>', '<none>', '<none>']);
  return rows;
}
