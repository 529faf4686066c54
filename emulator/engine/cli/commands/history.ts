// `docker history`: newest layer first, CREATED BY cut at 45 characters like the docker CLI (`--no-trunc` keeps it).
import type { HistoryResponseItem } from '../../images/image-api.ts';
import { type Command, FORMAT_FLAG } from '../command.ts';
import { imagePath } from '../engine-client.ts';
import { formatList } from '../output-format.ts';
import { createdSince, ellipsis, humanSize, rfc3339 } from '../../units/human.ts';

export const history: Command = {
  usage: 'docker history [OPTIONS] IMAGE',
  description: 'Show the history of an image',
  aliases: 'docker image history, docker history',
  flags: [
    FORMAT_FLAG,
    { name: 'human', short: 'H', type: 'bool', description: 'Print sizes and dates in human readable format', defaultValue: true },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'platform', type: 'string', description: 'Show history for the given platform', hidden: true },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx) {
    const items = await ctx.client.json<HistoryResponseItem[]>('GET', `/images/${imagePath(ctx.args[0] as string)}/history`);
    const trunc = ctx.flags['no-trunc'] !== true;
    const human = ctx.flags.human !== false;
    const id = (full: string) => (full === '<missing>' || !trunc ? full : full.replace(/^sha256:/, '').slice(0, 12));
    if (ctx.flags.quiet) {
      for (const item of items) ctx.out(`${id(item.Id)}\n`);
      return 0;
    }
    const now = ctx.now();
    const rows = items.map((h) => {
      const createdBy = h.CreatedBy.replace(/\t/g, ' ');
      return {
        ID: id(h.Id),
        CreatedSince: human ? createdSince(h.Created, now) : rfc3339(h.Created),
        CreatedAt: rfc3339(h.Created),
        CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
        Size: human ? humanSize(h.Size) : String(h.Size),
        Comment: h.Comment,
      };
    });
    ctx.out(
      formatList(ctx.flags.format as string | undefined, rows, {
        defaultTable: '{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        headers: { ID: 'IMAGE', CreatedSince: human ? 'CREATED' : 'CREATED AT', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
      }),
    );
    return 0;
  },
};
