// `docker push`: sends an image of the local store to a registry (blobs first, skipping or mounting what
// the registry has, then the manifest), with the progress lines Docker prints.
import type { ContentStore } from '../store/content-store.ts';
import { type Digest, shortId } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import type { ImageDb } from '../images/image-db.ts';
import type { Descriptor, ImageManifest } from '../oci/oci-types.ts';
import type { ProgressMessage } from '../images/pull-progress.ts';
import { type Credentials, type RegistryClient } from './registry-client.ts';
import { familiarName, parseNormalizedNamed, parseReference, type Reference, referenceName, referenceString, withTag } from './reference.ts';

/** A push progress message: the Engine API's JSON message stream, as for pulls. */
export type PushProgressMessage = ProgressMessage;

export interface PushOptions {
  onProgress?: (message: PushProgressMessage) => void;
  /** the account to push as; otherwise the registry client's credentials (from `docker login`) are used */
  credentials?: Credentials;
  signal?: AbortSignal;
  /** bytes per PATCH for big layers (tests make it small) */
  chunkSize?: number;
  /** layers up to this size go in one request */
  monolithicLimit?: number;
}

export interface PushResult {
  tag: string;
  /** the manifest digest the registry stored: what a pull of the tag gets as RepoDigest */
  digest: Digest;
  /** manifest size in bytes */
  size: number;
}

export interface PushDeps {
  content: ContentStore;
  db: ImageDb;
  registry: RegistryClient;
}

const UPLOAD_CONCURRENCY = 3;

/**
 * Pushes the image a tag names, as Docker does: the tag must name the registry (`docker tag busybox
 * localhost:5000/me/bb`, then `docker push localhost:5000/me/bb`). The manifest is sent byte for byte as
 * stored, so the registry's digest is the one the image was pulled with and a pull back gives the same
 * image ID. A single-platform manifest is pushed, not the index it was picked from (Docker's classic store
 * does the same: the other platforms' blobs are not here).
 */
export async function pushImage(deps: PushDeps, reference: string, options: PushOptions = {}): Promise<PushResult> {
  const emit = options.onProgress ?? (() => {});
  const parsed = parseNormalizedNamed(reference);
  if (parsed.digest) throw new EngineError('REFERENCE_INVALID', `cannot push a digest reference: ${reference}`);
  const ref = withTag(parsed, parsed.tag ?? 'latest');
  const tag = ref.tag as string;
  const image = deps.db.byTag(referenceString(ref));
  if (!image) throw new EngineError('NOT_FOUND', `An image does not exist locally with the tag: ${familiarName(ref)}`);

  const manifestBytes = await deps.content.readBlob(image.manifestDigest);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as ImageManifest;
  const mediaType = manifest.mediaType;
  if (!mediaType) throw new EngineError('PROTOCOL', `manifest ${image.manifestDigest} names no mediaType`);
  emit({ status: `The push refers to repository [${referenceName(ref)}]` });

  const pushOptions = { ...(options.credentials ? { credentials: options.credentials } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  // Other repositories of the same registry holding this image: candidates for a cross-repository mount.
  const mountFrom = [...image.repoTags, ...image.repoDigests]
    .map((r) => parseReference(r))
    .filter((r) => r.domain === ref.domain && r.path !== ref.path)
    .map((r) => r.path)
    .filter((p, i, all) => all.indexOf(p) === i);

  // Docker lists layers topmost first; its IDs for a push are the short DiffIDs.
  const layers = manifest.layers.map((descriptor, i) => ({ descriptor, id: shortId(image.layers[i]?.diffId ?? descriptor.digest) })).reverse();
  for (const layer of layers) emit({ status: 'Preparing', id: layer.id });

  const pushLayer = async (descriptor: Descriptor, id: string): Promise<void> => {
    if (await deps.registry.blobExists(ref, descriptor.digest, pushOptions)) {
      emit({ status: 'Layer already exists', id });
      return;
    }
    for (const from of mountFrom) {
      if (await deps.registry.mountBlob(ref, descriptor.digest, from, pushOptions)) {
        emit({ status: `Mounted from ${from}`, id });
        return;
      }
    }
    await deps.registry.uploadBlob(ref, descriptor, await deps.content.getBlob(descriptor.digest), {
      ...pushOptions,
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      ...(options.monolithicLimit !== undefined ? { monolithicLimit: options.monolithicLimit } : {}),
      onProgress: (sent) => emit({ status: 'Pushing', id, progressDetail: { current: sent, total: descriptor.size } }),
    });
    emit({ status: 'Pushed', id });
  };

  // A few uploads at a time, as Docker's max-concurrent-uploads does.
  const queue = [...layers];
  const workers = Array.from({ length: Math.min(UPLOAD_CONCURRENCY, queue.length) }, async () => {
    for (let layer = queue.shift(); layer; layer = queue.shift()) {
      if (options.signal?.aborted) throw new EngineError('ABORTED', `push of ${familiarName(ref)} was cancelled`);
      await pushLayer(layer.descriptor, layer.id);
    }
  });
  await Promise.all(workers);

  // The config after the layers, the manifest last: the registry refuses a manifest naming unknown blobs.
  const config = manifest.config;
  if (!(await deps.registry.blobExists(ref, config.digest, pushOptions))) {
    await deps.registry.uploadBlob(ref, config, await deps.content.getBlob(config.digest), pushOptions);
  }
  const digest = await deps.registry.putManifest(ref, tag, manifestBytes, mediaType, pushOptions);

  // Docker records the pushed digest as a RepoDigest of the image (one per repository).
  const repoDigest = referenceString({ domain: ref.domain, path: ref.path, digest } as Reference);
  if (!image.repoDigests.includes(repoDigest)) {
    image.repoDigests = [...image.repoDigests.filter((d) => !d.startsWith(`${referenceName(ref)}@`)), repoDigest];
    deps.db.put(image);
    await deps.db.save();
  }
  // dockerd then sends `{"aux":{"Tag","Digest","Size"}}`; that is the PushResult here, not a progress message.
  emit({ status: `${tag}: digest: ${digest} size: ${manifestBytes.byteLength}` });
  return { tag, digest, size: manifestBytes.byteLength };
}
