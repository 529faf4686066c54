// The guest's files (manifest.json, BIOS, kernel, initramfs, snapshot) and how a machine gets their bytes.
import { digestHex, sha256Digest } from '../engine/oci/digest.ts';
import { EngineError } from '../engine/errors.ts';

/** public/guest/manifest.json, written by emulator/guest/build.sh */
export interface GuestManifest {
  files: { name: string; sha256: string; size: number }[];
  bios: string;
  vgaBios: string;
  kernel: string;
  initrd: string;
  kernelRelease: string;
  cmdline: string;
  memoryMiB: number;
  /** the learner's console (a UART) and the agent's line (a virtio console port, by its name): informational */
  serial: { console: string; agent: string };
  share9pTag: string;
  share9pMount: string;
  v86: string;
}

/** public/guest/snapshot.json, written by emulator/guest/snapshot.ts next to the state file */
export interface SnapshotInfo {
  /** file name of the saved state (zstd: v86 decompresses it itself) */
  file: string;
  sha256: string;
  size: number;
  /** size of the uncompressed v86 state */
  rawSize: number;
  /** what the state belongs to; any difference means the state cannot be restored */
  compatibility: SnapshotCompatibility;
  createdAt: string;
}

export interface SnapshotCompatibility {
  /** sha256 of manifest.json's bytes (kernel, initramfs, cmdline, memory...) */
  manifestSha256: string;
  /** v86's package version: the state format and device set belong to it */
  v86: string;
  /** MACHINE_CONFIG_VERSION of machine.ts (devices, memory layout) */
  machineConfig: number;
}

export const MANIFEST_FILE = 'manifest.json';
export const SNAPSHOT_INFO_FILE = 'snapshot.json';

/** Bytes of files in the guest directory: from disk in Node, over fetch (with progress) in a browser. */
export interface AssetLoader {
  /** null when the file does not exist (HTTP 404, ENOENT) */
  load(name: string, onProgress?: (loadedBytes: number, totalBytes: number) => void, signal?: AbortSignal): Promise<Uint8Array | null>;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  // WebCrypto exists only in secure contexts (https, localhost); a page served over plain http has none.
  if (globalThis.crypto?.subtle) {
    const digest = await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return digestHex(sha256Digest(data));
}

export function parseManifest(bytes: Uint8Array): GuestManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new EngineError('INVALID_ARGUMENT', `guest ${MANIFEST_FILE} is not JSON`, { cause: error });
  }
  const m = json as Partial<GuestManifest>;
  for (const key of ['bios', 'vgaBios', 'kernel', 'initrd', 'cmdline'] as const) {
    if (typeof m[key] !== 'string') throw new EngineError('INVALID_ARGUMENT', `guest ${MANIFEST_FILE}: "${key}" is missing`);
  }
  if (typeof m.memoryMiB !== 'number' || m.memoryMiB < 96) {
    // v86 puts the initrd at 64 MiB (DESIGN.md), so less memory cannot boot.
    throw new EngineError('INVALID_ARGUMENT', `guest ${MANIFEST_FILE}: memoryMiB must be at least 96`);
  }
  if (!Array.isArray(m.files)) throw new EngineError('INVALID_ARGUMENT', `guest ${MANIFEST_FILE}: "files" is missing`);
  return m as GuestManifest;
}

export function parseSnapshotInfo(bytes: Uint8Array): SnapshotInfo {
  const info = JSON.parse(new TextDecoder().decode(bytes)) as Partial<SnapshotInfo>;
  if (typeof info.file !== 'string' || typeof info.sha256 !== 'string' || !info.compatibility) {
    throw new Error(`${SNAPSHOT_INFO_FILE} lacks file, sha256 or compatibility`);
  }
  return info as SnapshotInfo;
}

/** Why a snapshot does not fit this machine, or null when it does. */
export function incompatibility(recorded: SnapshotCompatibility, current: SnapshotCompatibility): string | null {
  if (recorded.v86 !== current.v86) return `snapshot was made with v86 ${recorded.v86}, this is ${current.v86}`;
  if (recorded.machineConfig !== current.machineConfig) {
    return `snapshot was made for machine configuration ${recorded.machineConfig}, this is ${current.machineConfig}`;
  }
  if (recorded.manifestSha256 !== current.manifestSha256) return 'snapshot was made from a different guest build (manifest.json changed)';
  return null;
}

/** Verify a downloaded file against the manifest, so a truncated or stale cache entry fails loudly. */
export async function verifyAsset(manifest: GuestManifest, name: string, data: Uint8Array): Promise<void> {
  const entry = manifest.files.find((f) => f.name === name);
  if (!entry) return;
  if (data.length !== entry.size || (await sha256Hex(data)) !== entry.sha256) {
    throw new EngineError('DIGEST_MISMATCH', `guest file ${name} does not match manifest.json (size ${data.length}, expected ${entry.size})`);
  }
}
