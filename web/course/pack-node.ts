// `npm run pack`'s work (Node only): a pack folder checked like lessons:check, its pack.json index written, and the
// folder bundled as one .tar.gz (a top folder named after the pack, as `tar czf` would make it).
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { listFiles, registryImages } from './lesson-sources-node.ts';
import { PACK_MANIFEST, packFromEntries, parseManifest, type Pack, type PackManifest } from './pack.ts';

const REPO = resolve(import.meta.dirname, '../..');

export interface BundledPack {
  pack: Pack;
  /** pack.json as it should be in the folder: the title kept, the files listed */
  manifest: PackManifest;
  /** the .tar.gz; empty when the pack has problems */
  archive: Uint8Array;
}

export async function bundlePack(dir: string, options: { images?: string[] } = {}): Promise<BundledPack> {
  const name = basename(resolve(dir));
  const images = options.images ?? registryImages(join(REPO, 'public'));
  const paths = listFiles(dir).filter((p) => p !== PACK_MANIFEST);
  const old = listFiles(dir).includes(PACK_MANIFEST) ? parseManifest(readFileSync(join(dir, PACK_MANIFEST), 'utf8'), name) : undefined;
  const manifest: PackManifest = { format: 'drydock-pack', version: 1, title: old?.title ?? name, files: paths };
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const entries = [
    ...paths.map((path) => ({ path, type: 'file', data: new Uint8Array(readFileSync(join(dir, path))) })),
    { path: PACK_MANIFEST, type: 'file', data: manifestBytes },
  ];
  const pack = packFromEntries(entries, { source: `file:${name}`, display: name, images });
  if (pack.problems.length > 0) return { pack, manifest, archive: new Uint8Array(0) };
  // A fixed mtime: the same folder gives the same archive.
  const tar = await packTar(entries.map((e) => ({ header: { name: `${name}/${e.path}`, size: e.data.length, mode: 0o644, mtime: new Date(0) }, body: e.data })));
  return { pack, manifest, archive: new Uint8Array(gzipSync(tar, { level: 9 })) };
}
