// The guest's files for a start: manifest.json (and what a snapshot must match), the snapshot (downloaded and
// checked, or the decompressed copy kept in the state cache from an earlier visit), BIOS, kernel and initramfs
// (checked against the manifest). Files are kept for restarts; download progress is reported as it comes.
import { bytesStream, type BlobBackend } from '../engine/store/blob-backend.ts';
import { EngineError } from '../engine/errors.ts';
import type { BootProgress } from '../protocol.ts';
import {
  MANIFEST_FILE,
  SNAPSHOT_INFO_FILE,
  incompatibility,
  parseManifest,
  parseSnapshotInfo,
  sha256Hex,
  verifyAsset,
  type AssetLoader,
  type GuestManifest,
  type SnapshotCompatibility,
} from './guest-assets.ts';
import { MACHINE_CONFIG_VERSION, V86_VERSION } from './v86-emulator.ts';

/** A snapshot to restore: as downloaded (zstd), or decompressed from the state cache. */
export interface SnapshotState {
  bytes: Uint8Array;
  /** where the decompressed bytes go in the state cache once they restored; unset when they came from it */
  keepAs?: { key: string; rawSize: number };
  fromCache?: string;
}

const STATE_CACHE_PREFIX = 'snapshot/';

export interface SnapshotLoaderOptions {
  loader: AssetLoader;
  /** where the decompressed snapshot is kept between visits */
  stateCache?: BlobBackend | undefined;
  /** check BIOS/kernel/initramfs against manifest.json's sha256 (default true) */
  verifyAssets?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress(progress: BootProgress): void;
  log(line: string): void;
}

export class SnapshotLoader {
  #manifest: GuestManifest | null = null;
  #compatibility: SnapshotCompatibility | null = null;
  readonly #assets = new Map<string, Uint8Array>();
  #bytesDownloaded = 0;
  /** BIOS and VGA BIOS, loading alongside the snapshot */
  #biosLoad: Promise<[Uint8Array, Uint8Array]> | null = null;

  constructor(private readonly options: SnapshotLoaderOptions) {}

  /** Bytes downloaded by every start so far. */
  get bytesDownloaded(): number {
    return this.#bytesDownloaded;
  }

  get manifest(): GuestManifest {
    if (!this.#manifest) throw new EngineError('CONFLICT', 'the machine has not loaded its manifest yet');
    return this.#manifest;
  }

  /** What a snapshot of this machine must record to be restorable later. */
  get compatibility(): SnapshotCompatibility {
    if (!this.#compatibility) throw new EngineError('CONFLICT', 'the machine has not loaded its manifest yet');
    return this.#compatibility;
  }

  async loadManifest(): Promise<void> {
    if (this.#manifest) return;
    const bytes = await this.options.loader.load(MANIFEST_FILE, undefined, this.options.signal);
    if (!bytes) throw new EngineError('NOT_FOUND', `the guest has not been built: ${MANIFEST_FILE} is missing (npm run guest:build)`);
    this.#bytesDownloaded += bytes.length;
    this.#manifest = parseManifest(bytes);
    this.#compatibility = { manifestSha256: await sha256Hex(bytes), v86: V86_VERSION, machineConfig: MACHINE_CONFIG_VERSION };
  }

  /** The snapshot to restore (the kept copy first when `useCache`), or why there is none to use. */
  async loadSnapshot(useCache: boolean): Promise<SnapshotState | { problem: string }> {
    const infoBytes = await this.options.loader.load(SNAPSHOT_INFO_FILE, undefined, this.options.signal);
    if (!infoBytes) return { problem: `no snapshot (${SNAPSHOT_INFO_FILE} missing; npm run guest:snapshot)` };
    const info = parseSnapshotInfo(infoBytes);
    const mismatch = incompatibility(info.compatibility, this.compatibility);
    if (mismatch) return { problem: mismatch };
    const cache = this.options.stateCache;
    const key = `${STATE_CACHE_PREFIX}${info.sha256}`;
    if (cache && useCache) {
      const kept = await readCached(cache, key, info.rawSize).catch(() => null);
      if (kept) return { bytes: kept, fromCache: key };
    }
    const bytes = await this.#loadAsset(info.file, info.size, 'Downloading the machine snapshot');
    if (!bytes) return { problem: `snapshot file ${info.file} is missing` };
    // A corrupt state can crash v86's decompressor half-way; check it before v86 sees it.
    if (bytes.length !== info.size || (await sha256Hex(bytes)) !== info.sha256) {
      this.#assets.delete(info.file);
      return { problem: `snapshot file ${info.file} is corrupt (sha256 differs from ${SNAPSHOT_INFO_FILE})` };
    }
    return cache ? { bytes, keepAs: { key, rawSize: info.rawSize } } : { bytes };
  }

  /** The decompressed snapshot into the state cache, in place of any older one. */
  async keepState(key: string, raw: Uint8Array): Promise<void> {
    const cache = this.options.stateCache;
    if (!cache) return;
    try {
      for (const old of await cache.list(STATE_CACHE_PREFIX)) if (old !== key) await cache.delete(old);
      await cache.put(key, bytesStream(raw));
    } catch (error) {
      this.options.log(`could not keep the snapshot for the next visit: ${(error as Error).message}`);
    }
  }

  /** A kept copy that did not restore: gone, so the next load downloads. */
  async forgetKept(key: string): Promise<void> {
    await this.options.stateCache?.delete(key).catch(() => undefined);
  }

  /** BIOS and VGA BIOS (loaded once; a failed load is tried again by the next call). */
  biosImages(): Promise<[Uint8Array, Uint8Array]> {
    const manifest = this.manifest;
    if (!this.#biosLoad) {
      const load = Promise.all([this.requireAsset(manifest.bios, 'Downloading the BIOS'), this.requireAsset(manifest.vgaBios, 'Downloading the BIOS')]);
      load.catch(() => (this.#biosLoad = null));
      this.#biosLoad = load;
    }
    return this.#biosLoad;
  }

  /** A file the manifest names, checked against its sha256 when first loaded. */
  async requireAsset(name: string, message: string): Promise<Uint8Array> {
    const manifest = this.manifest;
    const size = manifest.files.find((f) => f.name === name)?.size ?? 0;
    const fresh = !this.#assets.has(name);
    const data = await this.#loadAsset(name, size, message);
    if (!data) throw new EngineError('NOT_FOUND', `guest file ${name} is missing (npm run guest:build)`);
    if (fresh && this.options.verifyAssets !== false) {
      try {
        await verifyAsset(manifest, name, data);
      } catch (error) {
        this.#assets.delete(name);
        throw error;
      }
    }
    return data;
  }

  /** Forget the files kept for restarts. */
  clear(): void {
    this.#assets.clear();
  }

  /** A file from the guest directory, kept for restarts. */
  async #loadAsset(name: string, expectedSize: number, message: string): Promise<Uint8Array | null> {
    const cached = this.#assets.get(name);
    if (cached) return cached;
    const before = this.#bytesDownloaded;
    const data = await this.options.loader.load(
      name,
      (loaded, total) =>
        this.options.onProgress({ phase: 'download', loadedBytes: before + loaded, totalBytes: before + Math.max(total, expectedSize), message }),
      this.options.signal,
    );
    if (!data) return null;
    this.#bytesDownloaded += data.length; // not before + length: other files may have arrived meanwhile
    this.#assets.set(name, data);
    return data;
  }
}

/** A kept decompressed snapshot, when it is there whole. */
async function readCached(cache: BlobBackend, key: string, rawSize: number): Promise<Uint8Array | null> {
  if ((await cache.size(key)) !== rawSize) return null;
  const stream = await cache.get(key);
  if (!stream) return null;
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return bytes.length === rawSize ? bytes : null;
}
