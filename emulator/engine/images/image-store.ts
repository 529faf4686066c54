// Images as Docker has them: pull (with per-layer progress), layers stored and unpacked once by chainID,
// tag, remove with Docker's Untagged:/Deleted: semantics, and the Docker Engine API's image JSON.
import { chainIds } from '../oci/chain-id.ts';
import type { ContentStore } from '../store/content-store.ts';
import { type Digest, parseDigest, shortId } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import type { ImageDb, ImageRecord, LayerRecord } from './image-db.ts';
import { decompress } from './layer-unpack.ts';
import { LayerStore } from './layer-store.ts';
import { layerCompression, MediaType } from '../oci/media-types.ts';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../oci/oci-types.ts';
import type { ProgressListener } from './pull-progress.ts';
import type { RegistryClient } from '../registry/registry-client.ts';
import { familiarName, familiarString, parseDockerRef, parseNormalizedNamed, type Reference, referenceName, referenceString, withTag } from '../registry/reference.ts';

/** Which container uses an image, for `rmi` refusals (injected by the container side). */
export type ImageUsage = (imageId: Digest) => { containerId: string; running: boolean } | undefined;

export interface ImageStoreOptions {
  content: ContentStore;
  db: ImageDb;
  registry: RegistryClient;
  /** where layers are unpacked (the 9p share); without it, pulls store and check layers only */
  fs?: GuestFs;
  /** directory of unpacked layers in `fs` */
  layersDir?: string;
  usage?: ImageUsage;
  now?: () => Date;
}

export interface PullOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface PullResult {
  id: Digest;
  repoDigest: Digest;
  /** `downloaded` when anything new was stored or a tag moved, `up-to-date` otherwise */
  status: 'downloaded' | 'up-to-date';
}

/** One line of `docker rmi` (the Engine API's ImageDeleteResponseItem). */
export type DeleteItem = { Untagged: string } | { Deleted: string };

const DOWNLOAD_CONCURRENCY = 3;

export class ImageStore {
  readonly #o: ImageStoreOptions;
  readonly #layers: LayerStore;

  constructor(options: ImageStoreOptions) {
    this.#o = options;
    this.#layers = new LayerStore({
      content: options.content,
      registry: options.registry,
      ...(options.fs ? { fs: options.fs } : {}),
      layersDir: options.layersDir ?? '/layers',
    });
  }

  get db(): ImageDb {
    return this.#o.db;
  }

  /** The GuestFs directory holding the unpacked layer stack `chainId`. */
  layerDir(chainId: Digest): string {
    return this.#layers.layerDir(chainId);
  }

  /** `docker pull`: fetch the linux/386 image, store and verify every blob, unpack new layers, move the tag. */
  async pull(reference: string, options: PullOptions = {}): Promise<PullResult> {
    const emit = options.onProgress ?? (() => {});
    const ref = parseDockerRef(reference);
    if (!/[:@]/.test(reference.slice(reference.lastIndexOf('/') + 1))) emit({ status: `Using default tag: ${ref.tag}` });
    const resolved = await this.#o.registry.resolveImage(ref, undefined, options.signal);
    emit({ status: `Pulling from ${ref.path}`, id: ref.tag ?? ref.digest ?? 'latest' });

    const manifest = resolved.manifest.document;
    const config = resolved.config.document;
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new EngineError('PROTOCOL', `${familiarString(ref)}: the manifest has ${manifest.layers.length} layers but the config names ${diffIds.length}`);
    }
    const chains = chainIds(diffIds.map((d) => parseDigest(d)));
    const known = new Map(this.db.all().flatMap((img) => img.layers.map((l) => [l.chainId, l] as const)));

    // Which layers are already here, stored and (with a GuestFs) unpacked: Docker says "Already exists".
    const present = await Promise.all(manifest.layers.map((layer, i) => this.#layerPresent(layer, chains[i] as Digest, known)));
    manifest.layers.forEach((layer, i) => emit({ status: present[i] ? 'Already exists' : 'Pulling fs layer', id: shortId(layer.digest) }));

    // Downloads run a few at a time; unpacking goes in order, as each layer's whiteouts need the ones below.
    const downloads = new Map<number, Promise<void>>();
    let next = 0;
    const startMore = () => {
      while (downloads.size < DOWNLOAD_CONCURRENCY && next < manifest.layers.length) {
        const i = next++;
        if (present[i]) continue;
        const download = this.#layers.download(ref, manifest.layers[i] as Descriptor, emit, options.signal);
        // Awaited in order below; this only keeps a failure from being unhandled when an earlier layer fails first.
        download.catch(() => {});
        downloads.set(i, download);
      }
    };
    startMore();
    const layers: LayerRecord[] = [];
    for (let i = 0; i < manifest.layers.length; i++) {
      const layer = manifest.layers[i] as Descriptor;
      const chainId = chains[i] as Digest;
      const diffId = parseDigest(diffIds[i] as string);
      const compression = layerCompression(layer.mediaType);
      if (!compression) throw new EngineError('PROTOCOL', `${familiarString(ref)}: layer ${layer.digest} has unknown media type ${layer.mediaType}`);
      if (present[i]) {
        layers.push({ ...(known.get(chainId) as LayerRecord), digest: layer.digest, mediaType: layer.mediaType, size: layer.size });
        continue;
      }
      await downloads.get(i);
      downloads.delete(i);
      startMore();
      const measured = await this.#layers.extract(layer, diffId, chains.slice(0, i + 1), compression, emit, options.signal);
      emit({ status: 'Pull complete', id: shortId(layer.digest) });
      layers.push({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size, diffId, chainId, contentSize: measured });
    }

    // Config, manifest and index last: an image is listed only once all its layers are in.
    await this.#o.content.putBlob(resolved.config.bytes, { digest: resolved.config.digest, size: resolved.config.bytes.byteLength });
    await this.#o.content.putBlob(resolved.manifest.bytes, { digest: resolved.manifest.digest });
    if (resolved.index) await this.#o.content.putBlob(resolved.index.bytes, { digest: resolved.index.digest });

    const id = resolved.config.digest;
    const repoDigest = referenceString({ domain: ref.domain, path: ref.path, digest: resolved.repoDigest });
    const fullTag = ref.tag !== undefined ? referenceString(ref) : undefined;
    const existing = this.db.get(id);
    const tagMoved = fullTag !== undefined && !existing?.repoTags.includes(fullTag);
    // Docker (pull_v2): up to date when the reference pulled, tag or digest, already named this image.
    const upToDate = existing !== undefined && (fullTag !== undefined ? !tagMoved : existing.repoDigests.includes(repoDigest));
    const record: ImageRecord = existing ?? {
      id,
      repoTags: [],
      repoDigests: [],
      manifestDigest: resolved.manifest.digest,
      layers,
      created: config.created ?? new Date(0).toISOString(),
    };
    if (resolved.index) record.indexDigest = resolved.index.digest;
    record.layers = layers;
    if (!record.repoDigests.includes(repoDigest)) {
      // One digest per repository, as Docker keeps it.
      record.repoDigests = [...record.repoDigests.filter((d) => !d.startsWith(`${referenceName(ref)}@`)), repoDigest];
    }
    if (fullTag !== undefined && tagMoved) this.#moveTag(fullTag, record);
    this.db.put(record);
    await this.#persist();

    emit({ status: `Digest: ${resolved.repoDigest}` });
    const shown = familiarString(ref);
    emit({ status: upToDate ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}` });
    return { id, repoDigest: resolved.repoDigest, status: upToDate ? 'up-to-date' : 'downloaded' };
  }

  async #layerPresent(layer: Descriptor, chainId: Digest, known: Map<Digest, LayerRecord>): Promise<boolean> {
    if (!known.has(chainId) || !(await this.#o.content.hasBlob(layer.digest))) return false;
    return this.#o.fs ? this.#layers.isUnpacked(chainId) : true;
  }

  /**
   * Makes sure every layer of an image is unpacked in the GuestFs (after a reload the share starts empty
   * while the content store persists) and returns the layer directories, lowest first, for overlayfs.
   */
  async ensureUnpacked(nameOrId: string, signal?: AbortSignal): Promise<string[]> {
    const image = this.#mustFind(nameOrId).image;
    const fs = this.#o.fs;
    if (!fs) throw new EngineError('INTERNAL', 'no guest file system to unpack layers into');
    const stack = image.layers.map((l) => l.chainId);
    for (let i = 0; i < image.layers.length; i++) {
      const layer = image.layers[i] as LayerRecord;
      if (await this.#layers.isUnpacked(layer.chainId)) continue;
      const compression = layerCompression(layer.mediaType) ?? 'gzip';
      await this.#layers.extract({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }, layer.diffId, stack.slice(0, i + 1), compression, () => {}, signal);
    }
    return stack.map((c) => this.layerDir(c));
  }

  /**
   * Unpacks a layer stack (lowest first) that no stored image needs to name yet, e.g. a build's steps, so a
   * build container can use it as its lower dirs; returns the directories, lowest first.
   */
  async unpackLayers(layers: readonly (Descriptor & { diffId: Digest })[], signal?: AbortSignal): Promise<string[]> {
    if (!this.#o.fs) throw new EngineError('INTERNAL', 'no guest file system to unpack layers into');
    const chains = chainIds(layers.map((l) => l.diffId));
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i] as Descriptor & { diffId: Digest };
      if (await this.#layers.isUnpacked(chains[i] as Digest)) continue;
      const compression = layerCompression(layer.mediaType) ?? 'gzip';
      await this.#layers.extract({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }, layer.diffId, chains.slice(0, i + 1), compression, () => {}, signal);
    }
    return chains.map((c) => this.layerDir(c));
  }

  /**
   * Records an image whose manifest, config and layer blobs are already in the content store (a build,
   * a `docker load`, a push received by the in-browser registry): checks the blobs, unpacks new layers
   * when there is a GuestFs, and tags it. Returns the image ID.
   */
  async addImage(manifestDigest: Digest, options: { tags?: string[]; signal?: AbortSignal } = {}): Promise<Digest> {
    const manifest = await this.#o.content.readJson<ImageManifest>(manifestDigest);
    const id = parseDigest(manifest.config.digest);
    const config = await this.#o.content.readJson<ImageConfig>(id);
    const diffIds = (config.rootfs?.diff_ids ?? []).map((d) => parseDigest(d));
    if (diffIds.length !== manifest.layers.length) {
      throw new EngineError('INVALID_ARGUMENT', `manifest ${manifestDigest} has ${manifest.layers.length} layers but its config names ${diffIds.length}`);
    }
    const chains = chainIds(diffIds);
    const known = new Map(this.db.all().flatMap((img) => img.layers.map((l) => [l.chainId, l] as const)));
    const layers: LayerRecord[] = [];
    for (let i = 0; i < manifest.layers.length; i++) {
      const layer = manifest.layers[i] as Descriptor;
      const chainId = chains[i] as Digest;
      const diffId = diffIds[i] as Digest;
      if (!(await this.#o.content.hasBlob(layer.digest))) {
        throw new EngineError('BLOB_UNKNOWN', `layer ${layer.digest} of manifest ${manifestDigest} is not in the content store`);
      }
      const compression = layerCompression(layer.mediaType);
      if (!compression) throw new EngineError('INVALID_ARGUMENT', `layer ${layer.digest} has unknown media type ${layer.mediaType}`);
      const knownSize = known.get(chainId)?.contentSize ?? (await this.#layers.unpackedSize(chainId));
      const ready = knownSize !== undefined && (!this.#o.fs || (await this.#layers.isUnpacked(chainId)));
      const contentSize = ready ? knownSize : await this.#layers.extract(layer, diffId, chains.slice(0, i + 1), compression, () => {}, options.signal);
      layers.push({ digest: layer.digest, mediaType: layer.mediaType, size: layer.size, diffId, chainId, contentSize });
    }
    // A cancelled build (or load) records and tags nothing, even when its last layer was unpacked already.
    if (options.signal?.aborted) throw new EngineError('ABORTED', 'cancelled before the image was recorded');
    const record: ImageRecord = this.db.get(id) ?? { id, repoTags: [], repoDigests: [], manifestDigest, layers, created: config.created ?? new Date(0).toISOString() };
    record.layers = layers;
    this.db.put(record);
    for (const tag of options.tags ?? []) {
      const ref = parseNormalizedNamed(tag);
      if (ref.digest) throw new EngineError('REFERENCE_INVALID', `refusing to create a tag with a digest reference: ${tag}`);
      const full = referenceString(withTag(ref, ref.tag ?? 'latest'));
      if (!record.repoTags.includes(full)) this.#moveTag(full, record);
    }
    await this.#persist();
    return id;
  }

  /** `docker tag SOURCE TARGET` */
  async tag(source: string, target: string): Promise<void> {
    const image = this.#mustFind(source).image;
    const ref = parseNormalizedNamed(target);
    if (ref.digest) throw new EngineError('REFERENCE_INVALID', `refusing to create a tag with a digest reference: ${target}`);
    const full = referenceString(withTag(ref, ref.tag ?? 'latest'));
    if (!image.repoTags.includes(full)) this.#moveTag(full, image);
    await this.#persist();
  }

  /** `docker rmi`: untag, and delete the image (and the layers no other image uses) when nothing names it. */
  async remove(nameOrId: string, options: { force?: boolean; noPrune?: boolean } = {}): Promise<DeleteItem[]> {
    const { image, ref } = this.#mustFind(nameOrId);
    const usage = this.#o.usage?.(image.id);
    if (ref) {
      const full = referenceString(ref);
      const others = image.repoTags.filter((t) => t !== full);
      if (others.length > 0) {
        // Other tags keep the image alive: only this name goes, and with the repository's last tag its digests
        // (moby's ImageDelete removes and reports them too).
        const repo = repositoryOf(full);
        const lastOfRepo = ref.digest === undefined && !others.some((t) => repositoryOf(t) === repo);
        const dropped = lastOfRepo ? image.repoDigests.filter((d) => repositoryOf(d) === repo) : [];
        image.repoTags = others;
        image.repoDigests = image.repoDigests.filter((d) => d !== full && !dropped.includes(d));
        this.db.put(image);
        await this.#persist();
        return [{ Untagged: familiarString(ref) }, ...dropped.map((d) => ({ Untagged: familiarRefOf(d) }))];
      }
      if (usage && !options.force) {
        throw new EngineError(
          'CONFLICT',
          `conflict: unable to remove repository reference "${nameOrId}" (must force) - container ${shortId(usage.containerId)} is using its referenced image ${shortId(image.id)}`,
        );
      }
    } else {
      if (usage?.running) {
        throw new EngineError('CONFLICT', `conflict: unable to delete ${shortId(image.id)} (cannot be forced) - image is being used by running container ${shortId(usage.containerId)}`);
      }
      if (usage && !options.force) {
        throw new EngineError('CONFLICT', `conflict: unable to delete ${shortId(image.id)} (must be forced) - image is being used by stopped container ${shortId(usage.containerId)}`);
      }
      const repos = new Set(image.repoTags.map(repositoryOf));
      if (repos.size > 1 && !options.force) {
        throw new EngineError('CONFLICT', `conflict: unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
      }
    }
    const items: DeleteItem[] = [...image.repoTags, ...image.repoDigests].map((r) => ({ Untagged: familiarRefOf(r) }));
    image.repoTags = [];
    image.repoDigests = [];
    if (usage) {
      // A forced removal of an image a container uses: Docker untags it and keeps it, dangling, for the container.
      this.db.put(image);
      await this.#persist();
      return items;
    }
    items.push(...(await this.#deleteImage(image, options.noPrune ?? false)));
    return items;
  }

  async #deleteImage(image: ImageRecord, noPrune: boolean): Promise<DeleteItem[]> {
    const items: DeleteItem[] = [{ Deleted: image.id }];
    this.db.delete(image.id);
    if (noPrune) {
      await this.#persist();
      return items;
    }
    const stillUsedBlobs = new Set(this.db.all().flatMap((i) => [i.id, i.manifestDigest, ...(i.indexDigest ? [i.indexDigest] : []), ...i.layers.map((l) => l.digest)]));
    // Layers go top-down, as Docker prints them; a layer shared with another image stays.
    for (const layer of [...image.layers].reverse()) {
      if (this.db.imagesWithLayer(layer.chainId).length > 0) continue;
      await this.#layers.removeUnpacked(layer.chainId);
      items.push({ Deleted: layer.chainId });
    }
    for (const digest of [image.id, image.manifestDigest, image.indexDigest, ...image.layers.map((l) => l.digest)]) {
      if (digest && !stillUsedBlobs.has(digest)) await this.#o.content.deleteBlob(digest);
    }
    await this.#persist();
    return items;
  }

  /** The tag leaves the image it named; that image keeps its digests (`busybox <none>` in `docker images`, as Docker's reference store does). */
  #moveTag(fullTag: string, to: ImageRecord): void {
    for (const other of this.db.all()) {
      if (other.id !== to.id && other.repoTags.includes(fullTag)) {
        other.repoTags = other.repoTags.filter((t) => t !== fullTag);
        this.db.put(other);
      }
    }
    to.repoTags = [...to.repoTags, fullTag];
    to.lastTagTime = (this.#o.now?.() ?? new Date()).toISOString();
    this.db.put(to);
  }

  #mustFind(nameOrId: string): { image: ImageRecord; ref?: Reference } {
    const found = this.db.find(nameOrId);
    if (!found) throw new EngineError('NOT_FOUND', `No such image: ${nameOrId}`);
    return found;
  }

  /** Saves the DB and rewrites index.json so the store stays a valid OCI image layout with tags as ref names. */
  async #persist(): Promise<void> {
    await this.db.save();
    const manifests: Descriptor[] = [];
    for (const image of this.db.all()) {
      const size = (await this.#o.content.blobSize(image.manifestDigest)) ?? 0;
      const refs = image.repoTags.length ? image.repoTags : [undefined];
      for (const tag of refs) {
        const descriptor: Descriptor = { mediaType: MediaType.ociManifest, digest: image.manifestDigest, size, platform: { os: 'linux', architecture: '386' } };
        if (tag) {
          descriptor.annotations = {
            'io.containerd.image.name': tag,
            // The full reference, not just the tag: two images tagged `latest` must not collide
            // (skopeo reads it as oci:<store>:docker.io/library/busybox:latest).
            'org.opencontainers.image.ref.name': tag,
          };
        }
        manifests.push(descriptor);
      }
    }
    // The manifest's own media type is in the blob; read it so index.json names it right.
    for (const d of manifests) {
      const doc = await this.#o.content.readJson<ImageManifest>(d.digest).catch(() => undefined);
      if (doc?.mediaType) d.mediaType = doc.mediaType;
    }
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
    await this.#o.content.writeIndex(index);
  }

  /** The image config, for inspect and for creating containers. */
  async config(nameOrId: string): Promise<ImageConfig> {
    return this.#o.content.readJson<ImageConfig>(this.#mustFind(nameOrId).image.id);
  }

  /** Reads a layer blob decompressed (for `docker save`-like uses and tests). */
  async layerTar(layer: LayerRecord): Promise<ReadableStream<Uint8Array>> {
    return decompress(await this.#o.content.getBlob(layer.digest), layerCompression(layer.mediaType) ?? 'gzip');
  }

  /** Size of an image as Docker reports it: the unpacked size of all its layers. */
  imageSize(image: ImageRecord): number {
    return image.layers.reduce((n, l) => n + l.contentSize, 0);
  }

  find(nameOrId: string): ImageRecord | undefined {
    return this.db.find(nameOrId)?.image;
  }
}

/** `docker.io/library/busybox:latest` or `...@sha256:...` -> `docker.io/library/busybox` */
function repositoryOf(full: string): string {
  const at = full.indexOf('@');
  if (at >= 0) return full.slice(0, at);
  const colon = full.lastIndexOf(':');
  return colon > full.lastIndexOf('/') ? full.slice(0, colon) : full;
}

function familiarRefOf(full: string): string {
  const name = repositoryOf(full);
  const rest = full.slice(name.length);
  const slash = name.indexOf('/');
  return `${familiarName({ domain: name.slice(0, slash), path: name.slice(slash + 1) })}${rest}`;
}
