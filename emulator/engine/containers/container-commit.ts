// `docker commit`: the container's upper dir as a new OCI layer (whiteouts as `.wh.` entries) on top of its image.
import { packTar, unpackTar } from 'modern-tar';
import type { ContentStore } from '../store/content-store.ts';
import { sha256Digest, type Digest } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import type { ImageStore } from '../images/image-store.ts';
import { MediaType } from '../oci/media-types.ts';
import type { Descriptor, ImageConfig, ImageManifest } from '../oci/oci-types.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { quoteWord } from '../runtime/shell-quote.ts';
import { addedInitPaths } from './container-changes.ts';
import { readUpper } from './upper-tree.ts';
import type { ContainerRecord } from './container-store.ts';

export interface CommitDeps {
  guest: GuestExec;
  content: ContentStore;
  images: ImageStore;
}

export interface CommitOptions {
  /** `repo[:tag]` to tag the new image with; untagged when absent */
  reference?: string;
  comment?: string;
  author?: string;
}

/** How the upper dir's entries map onto an OCI layer (paths as `/path`). */
export interface UpperLayerPlan {
  /** overlayfs whiteouts (0/0 character devices) */
  whiteouts: ReadonlySet<string>;
  /** directories overlayfs marked opaque */
  opaque?: ReadonlySet<string>;
  /** entries to leave out with everything below them (the runtime's mount points) */
  leaveOut?: ReadonlySet<string>;
}

/**
 * The upper dir's tar (busybox, `./` relative) as an OCI layer tar (image-spec layer.md, "Whiteouts"): the
 * overlay's whiteouts become empty `.wh.<name>` files, and an opaque directory gets a `.wh..wh..opq` entry
 * right after its own, as Docker writes it, so the image's old content of that directory stays hidden.
 */
export async function layerFromUpperTar(upperTar: Uint8Array, plan: UpperLayerPlan): Promise<Uint8Array> {
  const { whiteouts, opaque = new Set<string>(), leaveOut = new Set<string>() } = plan;
  const entries = await unpackTar(upperTar);
  const out = entries.flatMap((e) => {
    const name = e.header.name.replace(/^\.\//, '').replace(/^\.$/, '');
    if (name === '' || name === '/') return [];
    const path = `/${name.replace(/\/$/, '')}`;
    if ([...leaveOut].some((p) => path === p || path.startsWith(`${p}/`))) return [];
    const mtime = e.header.mtime ? { mtime: e.header.mtime } : {};
    // overlayfs makes every whiteout a hard link of one 0/0 device, so tar writes the second one on as a `link`.
    if ((e.header.type === 'character-device' || e.header.type === 'link') && whiteouts.has(path)) {
      const slash = path.lastIndexOf('/');
      const wh = `${path.slice(1, slash + 1)}.wh.${path.slice(slash + 1)}`;
      return [{ header: { name: wh, size: 0, type: 'file' as const, mode: 0o644, ...mtime }, data: new Uint8Array() }];
    }
    const entry = { header: { ...e.header, name }, data: e.data };
    if (e.header.type !== 'directory' || !opaque.has(path)) return [entry];
    const marker = { name: `${path.slice(1)}/.wh..wh..opq`, size: 0, type: 'file' as const, mode: 0o644, ...mtime };
    return [entry, { header: marker, data: new Uint8Array() }];
  });
  return packTar(out);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Packs, stores and records the new image; returns its ID (`sha256:` of the config, what docker prints). */
export async function commitContainer(deps: CommitDeps, record: ContainerRecord, options: CommitOptions = {}): Promise<Digest> {
  const parent = deps.images.find(record.imageId);
  if (!parent) throw new EngineError('NOT_FOUND', `No such image: ${record.imageId}`);
  const upper = record.overlay.upperDir;
  const { entries, opaque } = await readUpper(deps.guest, upper, record.overlay.lowerDirs);
  const whiteouts = new Set(entries.filter((e) => e.whiteout).map((e) => e.path));
  const tarred = await deps.guest.exec(['sh', '-c', `cd ${quoteWord(upper)} && exec tar -c .`], { timeoutMs: 600_000 });
  if (tarred.exitCode !== 0) {
    throw new EngineError('INTERNAL', `could not pack the container's changes: ${new TextDecoder().decode(tarred.stderr).trim()}`);
  }
  const layerTar = await layerFromUpperTar(tarred.stdout, { whiteouts, opaque, leaveOut: addedInitPaths(entries) });
  const diffId = sha256Digest(layerTar);
  const blob = await deps.content.putBytes(await gzip(layerTar));

  const parentConfig = await deps.images.config(parent.id);
  const created = new Date().toISOString();
  const c = record.config;
  // Docker's history line for a commit is the container's command.
  const createdBy = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])].join(' ');
  const config: ImageConfig = {
    ...parentConfig,
    created,
    ...(options.author ? { author: options.author } : {}),
    config: {
      ...parentConfig.config,
      ...(c.Env ? { Env: c.Env } : {}),
      ...(c.Cmd !== undefined ? { Cmd: c.Cmd } : {}),
      ...(c.Entrypoint !== undefined ? { Entrypoint: c.Entrypoint } : {}),
      ...(c.WorkingDir !== undefined ? { WorkingDir: c.WorkingDir } : {}),
      ...(c.User !== undefined ? { User: c.User } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [...parentConfig.rootfs.diff_ids, diffId] },
    history: [
      ...(parentConfig.history ?? []),
      { created, created_by: createdBy, ...(options.comment ? { comment: options.comment } : {}), ...(options.author ? { author: options.author } : {}) },
    ],
  };
  const configBlob = await deps.content.putJson(config);
  const layers: Descriptor[] = [
    ...parent.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    { mediaType: MediaType.ociLayerGzip, digest: blob.digest, size: blob.size },
  ];
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers,
  };
  const manifestBlob = await deps.content.putJson(manifest);
  return deps.images.addImage(manifestBlob.digest, options.reference ? { tags: [options.reference] } : {});
}
