// A layer's own entries as its tar holds them (not the merged view): what the Inspect panel lists when the learner
// selects a layer. Whiteouts (`.wh.NAME`) and opaque markers (`.wh..wh..opq`) are kept and named as deletions
// (image-spec layer.md "Whiteouts"), since they are the layer's deletions.
import { createTarDecoder } from 'modern-tar';
import { EngineError } from '../errors.ts';
import { cleanPath } from './layer-unpack.ts';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** One entry of a layer tar. `whiteout`: the layer deletes `path`; `opaque`: it hides everything below `path`. */
export interface LayerFileEntry {
  /** absolute in the image, `/etc/passwd`; for a whiteout the deleted path, for an opaque marker its directory */
  Path: string;
  Type: 'file' | 'directory' | 'symlink' | 'link' | 'whiteout' | 'opaque' | 'other';
  /** bytes of a regular file's content, 0 otherwise */
  Size: number;
  /** permission bits and set-id bits */
  Mode: number;
  /** symlink target or hard link target */
  Linkname?: string;
}

export interface LayerFiles {
  Entries: LayerFileEntry[];
  /** more entries than `limit`: the listing stops there */
  Truncated: boolean;
}

/** Lists a layer's uncompressed tar (`ImageStore.layerTar`), in tar order, up to `limit` entries. */
export async function listLayerFiles(tar: ReadableStream<Uint8Array>, limit = 20_000): Promise<LayerFiles> {
  const reader = tar.pipeThrough(createTarDecoder()).getReader();
  const entries: LayerFileEntry[] = [];
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await value.body.cancel();
      const h = value.header;
      const path = cleanPath(h.name);
      if (path === undefined) throw new EngineError('PROTOCOL', `layer entry "${h.name}" points outside the layer`);
      if (path === '') continue;
      if (entries.length >= limit) {
        truncated = true;
        break;
      }
      const slash = path.lastIndexOf('/');
      const name = path.slice(slash + 1);
      const dir = slash < 0 ? '' : path.slice(0, slash);
      const mode = (h.mode ?? 0) & 0o7777;
      if (name === OPAQUE_MARKER) entries.push({ Path: `/${dir}`, Type: 'opaque', Size: 0, Mode: mode });
      else if (name.startsWith(WHITEOUT_PREFIX)) entries.push({ Path: `/${dir ? `${dir}/` : ''}${name.slice(WHITEOUT_PREFIX.length)}`, Type: 'whiteout', Size: 0, Mode: mode });
      else {
        const type = h.type ?? 'file';
        const known = type === 'file' || type === 'directory' || type === 'symlink' || type === 'link';
        const entry: LayerFileEntry = { Path: `/${path}`, Type: known ? type : 'other', Size: type === 'file' ? h.size : 0, Mode: mode };
        if ((type === 'symlink' || type === 'link') && h.linkname) entry.Linkname = h.linkname;
        entries.push(entry);
      }
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    if (e instanceof EngineError) throw e;
    throw new EngineError('PROTOCOL', `layer is not a valid tar: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (truncated) await reader.cancel().catch(() => {});
  return { Entries: entries, Truncated: truncated };
}
