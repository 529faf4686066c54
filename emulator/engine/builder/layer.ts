// A build step's layer: entries made in TypeScript (COPY, ADD, WORKDIR) or a RUN's upper dir, packed as an
// OCI layer tar, gzipped and stored in the content store (diffID = sha256 of the tar, digest of the gzip).
import { packTar, type TarEntry } from 'modern-tar';
import type { ContentStore } from '../store/content-store.ts';
import { sha256Digest, type Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import type { Descriptor } from '../oci/oci-types.ts';
import type { RootfsView } from '../overlay/rootfs-view.ts';

export interface LayerEntry {
  /** absolute path in the image */
  path: string;
  kind: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  data?: Uint8Array;
  target?: string;
}

/** A stored layer: the manifest's descriptor and the config's diffID. */
export interface BuiltLayer extends Descriptor {
  diffId: Digest;
}

/**
 * Adds the parent directories a layer's entries need, with the image's own attributes where the directory
 * exists (so the layer does not change its owner or mode), 0755 root otherwise; sorted parents first. A parent
 * the entries themselves make a file or a link (two sources of one COPY disagreeing) becomes a directory, as a
 * directory entry replaces a link in a lower layer: a layer never holds a path below a non-directory.
 */
export async function withParents(entries: readonly LayerEntry[], image: RootfsView | undefined, mtime: Date, owner?: { uid: number; gid: number }): Promise<LayerEntry[]> {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    const parts = e.path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      const mine = byPath.get(dir);
      if (mine?.kind === 'directory') continue;
      if (mine) {
        byPath.set(dir, { path: dir, kind: 'directory', mode: 0o755, uid: mine.uid, gid: mine.gid, mtime: mine.mtime });
        continue;
      }
      const st = await image?.lstat(dir);
      byPath.set(
        dir,
        st?.kind === 'directory'
          ? { path: dir, kind: 'directory', mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime }
          : { path: dir, kind: 'directory', mode: 0o755, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mtime },
      );
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function layerTar(entries: readonly LayerEntry[]): Promise<Uint8Array> {
  const tar: TarEntry[] = entries.map((e) => {
    const name = e.path.replace(/^\/+/, '');
    const header = { mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime };
    if (e.kind === 'directory') return { header: { ...header, name: `${name}/`, size: 0, type: 'directory' as const } };
    if (e.kind === 'symlink') return { header: { ...header, name, size: 0, type: 'symlink' as const, linkname: e.target ?? '' } };
    const data = e.data ?? new Uint8Array(0);
    return { header: { ...header, name, size: data.length, type: 'file' as const }, body: data };
  });
  return packTar(tar);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Stores an uncompressed layer tar as a gzip blob. */
export async function storeLayer(content: ContentStore, tar: Uint8Array): Promise<BuiltLayer> {
  const diffId = sha256Digest(tar);
  const blob = await content.putBytes(await gzip(tar));
  return { mediaType: MediaType.ociLayerGzip, digest: blob.digest, size: blob.size, diffId };
}
