// Layers by chainID: downloads (each blob fetched once even when pulls overlap) and unpacking into
// `<layersDir>/<chainID hex>/` of the GuestFs, with a `<chainID hex>.json` marker written last.
import type { ContentStore } from '../store/content-store.ts';
import { type Digest, digestHex, shortId } from '../oci/digest.ts';
import type { FileAttrs, GuestFs } from '../overlay/guest-fs.ts';
import { joinPath } from '../overlay/guest-fs.ts';
import { scanLayer, unpackLayer } from './layer-unpack.ts';
import { mergedLowerView } from '../overlay/lower-view.ts';
import type { LayerCompression } from '../oci/media-types.ts';
import type { Descriptor } from '../oci/oci-types.ts';
import type { ProgressListener } from './pull-progress.ts';
import type { RegistryClient } from '../registry/registry-client.ts';
import type { Reference } from '../registry/reference.ts';

export interface LayerStoreOptions {
  content: ContentStore;
  registry: RegistryClient;
  fs?: GuestFs;
  layersDir: string;
}

export class LayerStore {
  readonly #o: LayerStoreOptions;

  constructor(options: LayerStoreOptions) {
    this.#o = options;
  }

  /** The GuestFs directory holding the unpacked layer stack `chainId`. */
  layerDir(chainId: Digest): string {
    return joinPath(this.#o.layersDir, digestHex(chainId));
  }

  async removeUnpacked(chainId: Digest): Promise<void> {
    if (!this.#o.fs) return;
    const dir = this.layerDir(chainId);
    await this.#o.fs.rm(markerPath(dir));
    await this.#o.fs.rm(dir);
  }

  /** Blobs being downloaded now: a second pull of the same layer waits for the first download. */
  readonly #downloading = new Map<Digest, Promise<void>>();

  async download(ref: Reference, layer: Descriptor, emit: ProgressListener, signal?: AbortSignal): Promise<void> {
    const id = shortId(layer.digest);
    const running = this.#downloading.get(layer.digest);
    if (running) {
      emit({ status: 'Waiting', id });
      await running;
      emit({ status: 'Download complete', id });
      return;
    }
    const work = this.#downloadOnce(ref, layer, emit, signal).finally(() => this.#downloading.delete(layer.digest));
    this.#downloading.set(layer.digest, work);
    return work;
  }

  async #downloadOnce(ref: Reference, layer: Descriptor, emit: ProgressListener, signal?: AbortSignal): Promise<void> {
    const id = shortId(layer.digest);
    if (await this.#o.content.hasBlob(layer.digest)) {
      emit({ status: 'Download complete', id });
      return;
    }
    const { stream } = await this.#o.registry.getBlob(ref, layer, signal);
    let current = 0;
    let lastEmit = 0;
    const counted = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          current += chunk.byteLength;
          // Roughly every 1% (and the end): enough for a smooth bar without flooding the terminal.
          if (current - lastEmit >= layer.size / 100 || current === layer.size) {
            lastEmit = current;
            emit({ status: 'Downloading', id, progressDetail: { current, total: layer.size } });
          }
          controller.enqueue(chunk);
        },
      }),
    );
    emit({ status: 'Downloading', id, progressDetail: { current: 0, total: layer.size } });
    await this.#o.content.putBlob(counted, { digest: layer.digest, size: layer.size });
    emit({ status: 'Verifying Checksum', id });
    emit({ status: 'Download complete', id });
  }

  /** Layer stacks being unpacked now, by chainID: two pulls sharing a layer unpack it once. */
  readonly #unpacking = new Map<Digest, Promise<number>>();

  /** Unpacks (or, without a GuestFs, checks) one layer from the store; returns its content size. */
  extract(
    layer: Descriptor,
    diffId: Digest,
    stack: Digest[],
    compression: LayerCompression,
    emit: ProgressListener,
    signal?: AbortSignal,
  ): Promise<number> {
    const chainId = stack[stack.length - 1] as Digest;
    const running = this.#unpacking.get(chainId);
    if (running) return running;
    const work = this.#extractOnce(layer, diffId, stack, compression, emit, signal).finally(() => this.#unpacking.delete(chainId));
    this.#unpacking.set(chainId, work);
    return work;
  }

  async #extractOnce(layer: Descriptor, diffId: Digest, stack: Digest[], compression: LayerCompression, emit: ProgressListener, signal?: AbortSignal): Promise<number> {
    const id = shortId(layer.digest);
    let current = 0;
    const source = (await this.#o.content.getBlob(layer.digest)).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          current += chunk.byteLength;
          emit({ status: 'Extracting', id, progressDetail: { current, total: layer.size } });
          controller.enqueue(chunk);
        },
      }),
    );
    const chainId = stack[stack.length - 1] as Digest;
    const fs = this.#o.fs;
    if (!fs) return (await scanLayer(source, compression, diffId)).contentSize;
    const dir = this.layerDir(chainId);
    await fs.rm(dir);
    await fs.rm(markerPath(dir));
    const lower = mergedLowerView(fs, stack.slice(0, -1).reverse().map((c) => this.layerDir(c)));
    try {
      const result = await unpackLayer(source, { fs, dir, compression, diffId, lower, ...(signal ? { signal } : {}) });
      // The marker says the directory is complete; it sits beside the layer so the container never sees it.
      const marker = new TextEncoder().encode(JSON.stringify({ diffId, contentSize: result.contentSize }));
      await fs.writeFile(markerPath(dir), marker, MARKER_ATTRS);
      return result.contentSize;
    } catch (e) {
      await fs.rm(dir).catch(() => {});
      throw e;
    }
  }

  /** The content size recorded in an unpacked stack's marker (a build unpacks its layers before any image names them). */
  async unpackedSize(chainId: Digest): Promise<number | undefined> {
    const fs = this.#o.fs;
    const marker = markerPath(this.layerDir(chainId));
    if (!fs || !(await fs.lstat(marker))) return undefined;
    const size = (JSON.parse(new TextDecoder().decode(await fs.readFile(marker))) as { contentSize?: unknown }).contentSize;
    return typeof size === 'number' ? size : undefined;
  }

  async isUnpacked(chainId: Digest): Promise<boolean> {
    return (await this.#o.fs?.lstat(markerPath(this.layerDir(chainId)))) !== undefined;
  }
}

const MARKER_ATTRS: FileAttrs = { mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) };

function markerPath(dir: string): string {
  return `${dir}.json`;
}
