// Writes the static registry: an OCI image layout (the only copy of each blob) plus Distribution API paths onto it.

import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { byteOrder, sha256 } from './layer.ts';
import { MEDIA_TYPE, type Descriptor, type Digest, type ImageIndex } from './oci.ts';

export interface BlobSource {
  digest: Digest;
  /** A file to copy, or the bytes themselves (manifests, configs). */
  file?: string;
  bytes?: Buffer;
}

export interface RegistryImage {
  name: string;
  tags: string[];
  index: Descriptor;
  manifest: Descriptor;
  config: Descriptor;
  blobs: BlobSource[];
  summary: unknown;
}

/** JSON bytes as stored: two-space indent, no trailing newline (the digest covers exactly these bytes). */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2));
}

export function describe(mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.length, ...extra };
}

/**
 * Layout (public/registry/):
 *   oci-layout, index.json, blobs/sha256/<hex>      an OCI image layout: every blob stored once
 *   v2/index.html                                   `{}` so GET /v2/ answers 200 on static hosts
 *   v2/_catalog                                     {"repositories": [...]}
 *   v2/<name>/tags/list                             {"name", "tags"}
 *   v2/<name>/manifests/<tag> and /sha256:<hex>     small JSON copies (index by tag and digest,
 *                                                   the linux/386 manifest by digest)
 *   v2/<name>/blobs/sha256:<hex>                    relative symlinks into blobs/sha256/
 *   images.json                                     summary for the engine, lessons and docs
 */
export function writeRegistry(root: string, images: RegistryImage[]): { blobCount: number } {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'blobs/sha256'), { recursive: true });

  const stored = new Map<Digest, number>();
  for (const image of images) {
    for (const blob of image.blobs) {
      if (stored.has(blob.digest)) continue;
      const target = blobPath(root, blob.digest);
      if (blob.file) copyFileSync(blob.file, target);
      else writeFileSync(target, blob.bytes!);
      stored.set(blob.digest, blob.bytes?.length ?? 0);
    }
  }

  writeFileSync(join(root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const layoutIndex: ImageIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageIndex,
    manifests: images.flatMap((image) =>
      image.tags.map((tag) => ({ ...image.index, annotations: { 'org.opencontainers.image.ref.name': `${image.name}:${tag}` } })),
    ),
  };
  writeFileSync(join(root, 'index.json'), jsonBytes(layoutIndex));

  const v2 = join(root, 'v2');
  put(join(v2, 'index.html'), '{}');
  const names = images.map((i) => i.name).sort(byteOrder);
  put(join(v2, '_catalog'), JSON.stringify({ repositories: names }));
  for (const image of images) {
    const repo = join(v2, image.name);
    put(join(repo, 'tags/list'), JSON.stringify({ name: image.name, tags: [...image.tags].sort(byteOrder) }));
    const indexBytes = image.blobs.find((b) => b.digest === image.index.digest)!.bytes!;
    const manifestBytes = image.blobs.find((b) => b.digest === image.manifest.digest)!.bytes!;
    for (const tag of image.tags) put(join(repo, 'manifests', tag), indexBytes);
    put(join(repo, 'manifests', image.index.digest), indexBytes);
    put(join(repo, 'manifests', image.manifest.digest), manifestBytes);
    for (const blob of image.blobs) {
      const at = join(repo, 'blobs', blob.digest);
      mkdirSync(dirname(at), { recursive: true });
      symlinkSync(relative(dirname(at), blobPath(root, blob.digest)), at);
    }
  }
  put(join(root, 'images.json'), `${JSON.stringify({ images: images.map((i) => i.summary) }, null, 2)}\n`);
  return { blobCount: stored.size };
}

function blobPath(root: string, digest: Digest): string {
  return join(root, 'blobs/sha256', digest.slice('sha256:'.length));
}

function put(file: string, content: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
