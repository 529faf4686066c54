// Unpacks one layer (a tar, maybe gzip-compressed) into a directory of the GuestFs, turning OCI whiteouts
// into what overlayfs expects, and checks the tar against its DiffID.
//
// Whiteouts (image-spec layer.md): `.wh.<name>` deletes <name> from the lower layers; overlayfs marks
// that with a 0/0 character device named <name>. An opaque directory (`.wh..wh..opq`) hides all of
// the lower layers' content of that directory; overlayfs marks it with the `trusted.overlay.opaque`
// xattr, which v86's 9p share cannot store. So an opaque directory becomes explicit whiteouts: one
// 0/0 device for every name the lower layers have in it (given by `lower`), recursively into
// subdirectories the layer itself re-creates. The result is the same merged view for overlayfs.
import { createTarDecoder, type TarHeader } from 'modern-tar';
import { type Digest, digestingStream } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import { type FileAttrs, type GuestFs, joinPath, parentOf } from '../overlay/guest-fs.ts';
import type { LayerCompression } from '../oci/media-types.ts';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** The merged listing of the layers below the one being unpacked. */
export interface LowerView {
  /** Entries of `dir` (layer-relative) in the merged lower layers; empty when absent. */
  list(dir: string): Promise<{ name: string; isDirectory: boolean }[]>;
}

export const EMPTY_LOWER: LowerView = { list: async () => [] };

export interface UnpackOptions {
  fs: GuestFs;
  /** target directory in the GuestFs, e.g. `layers/<chainID hex>`; created if missing */
  dir: string;
  compression: LayerCompression;
  /** the layer's DiffID from the image config: the uncompressed tar must hash to it */
  diffId?: Digest;
  lower?: LowerView;
  signal?: AbortSignal;
}

export interface UnpackResult {
  diffId: Digest;
  /** bytes of the uncompressed tar */
  tarSize: number;
  /** bytes of regular file content written (Docker's layer size) */
  contentSize: number;
  entries: number;
  whiteouts: number;
  /** entries not created, with the reason (device nodes, sockets) */
  skipped: string[];
}

export async function unpackLayer(source: ReadableStream<Uint8Array>, options: UnpackOptions): Promise<UnpackResult> {
  const { fs, dir } = options;
  const lower = options.lower ?? EMPTY_LOWER;
  const tarStream = await decompress(source, options.compression);
  const verify = digestingStream(options.diffId ? { digest: options.diffId } : undefined);
  // The decoder reads its input to the end (padding after the end-of-archive blocks included), so the
  // hash covers the whole tar once the entries are done.
  const toTar = tarStream.pipeThrough(verify.stream);

  await ensureDir(fs, dir);
  const created = new Set<string>(['']);
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const dirTimes: [string, Date][] = [];
  const result: Omit<UnpackResult, 'diffId' | 'tarSize'> = { contentSize: 0, entries: 0, whiteouts: 0, skipped: [] };

  const decoder = createTarDecoder();
  const entries = toTar.pipeThrough(decoder);
  const reader = entries.getReader();
  try {
    for (;;) {
      if (options.signal?.aborted) throw new EngineError('ABORTED', 'layer unpack cancelled');
      const { done, value: entry } = await reader.read();
      if (done) break;
      const header = entry.header;
      const path = cleanPath(header.name);
      if (path === undefined) {
        await entry.body.cancel();
        throw new EngineError('PROTOCOL', `layer entry "${header.name}" points outside the layer`);
      }
      if (path === '') {
        await entry.body.cancel();
        continue;
      }
      const name = path.slice(path.lastIndexOf('/') + 1);
      const parent = parentOf(path);
      if (name === OPAQUE_MARKER) {
        opaque.push(parent);
        await ensureParents(fs, dir, path, created);
        await entry.body.cancel();
        continue;
      }
      if (name.startsWith(WHITEOUT_PREFIX)) {
        whiteouts.push(joinPath(parent, name.slice(WHITEOUT_PREFIX.length)));
        await ensureParents(fs, dir, path, created);
        await entry.body.cancel();
        continue;
      }
      result.entries++;
      await ensureParents(fs, dir, path, created);
      const target = joinPath(dir, path);
      const attrs = attrsOf(header);
      const type = header.type ?? 'file';
      if (type === 'directory') {
        const existing = await fs.lstat(target);
        if (existing?.kind === 'directory') {
          await fs.chmod(target, attrs.mode);
          await fs.chown(target, attrs.uid, attrs.gid);
        } else {
          if (existing) await fs.rm(target);
          await fs.mkdir(target, attrs);
        }
        created.add(path);
        dirTimes.push([target, attrs.mtime]);
        await entry.body.cancel();
        continue;
      }
      await replaceExisting(fs, target, created.has(path));
      switch (type) {
        case 'file':
          await fs.writeFile(target, entry.body, attrs);
          result.contentSize += header.size;
          break;
        case 'symlink':
          await entry.body.cancel();
          await fs.symlink(target, header.linkname ?? '', attrs);
          break;
        case 'link': {
          await entry.body.cancel();
          const linked = cleanPath(header.linkname ?? '');
          if (!linked) throw new EngineError('PROTOCOL', `hard link "${header.name}" points outside the layer (${header.linkname})`);
          await fs.link(target, joinPath(dir, linked));
          break;
        }
        case 'fifo':
          await entry.body.cancel();
          await fs.mknod(target, 'fifo', 0, 0, attrs);
          break;
        default:
          // Device nodes: the tar decoder does not give their numbers, and a 0/0 char device would read
          // as a whiteout to overlayfs. Containers get /dev from the runtime anyway.
          await entry.body.cancel();
          result.skipped.push(`${path} (${type})`);
          result.entries--;
          continue;
      }
      created.add(path);
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw wrapTarError(e);
  }
  let size: number;
  let diffId: Digest;
  try {
    ({ digest: diffId, size } = await verify.result);
  } catch (e) {
    throw wrapTarError(e);
  }

  for (const path of whiteouts) {
    // A whiteout only hides lower content; the same layer's own entry wins (image-spec layer.md).
    if (created.has(path)) continue;
    const target = joinPath(dir, path);
    await fs.rm(target);
    await fs.mknod(target, 'char', 0, 0, { mode: 0, uid: 0, gid: 0, mtime: new Date(0) });
    result.whiteouts++;
  }
  for (const path of opaque) {
    result.whiteouts += await whiteoutLower(fs, dir, path, lower, created);
  }
  // Directory times last: creating children changed them.
  for (const [target, mtime] of dirTimes) await fs.utimes(target, mtime);
  return { ...result, diffId, tarSize: size };
}

/** Whiteouts for everything the lower layers have in an opaque `path` that the layer does not re-create. */
async function whiteoutLower(fs: GuestFs, dir: string, path: string, lower: LowerView, created: Set<string>): Promise<number> {
  let count = 0;
  for (const entry of await lower.list(path)) {
    const child = joinPath(path, entry.name);
    if (!created.has(child)) {
      await fs.mknod(joinPath(dir, child), 'char', 0, 0, { mode: 0, uid: 0, gid: 0, mtime: new Date(0) });
      count++;
    } else if (entry.isDirectory) {
      // The layer re-creates this directory: overlayfs would merge it with the lower one, so hide the
      // lower content inside it as well.
      const st = await fs.lstat(joinPath(dir, child));
      if (st?.kind === 'directory') count += await whiteoutLower(fs, dir, child, lower, created);
    }
  }
  return count;
}

function attrsOf(header: TarHeader): FileAttrs {
  const fallbackMode = header.type === 'directory' ? 0o755 : 0o644;
  return {
    mode: (header.mode ?? fallbackMode) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    mtime: header.mtime && !Number.isNaN(header.mtime.getTime()) ? header.mtime : new Date(0),
  };
}

/** Layer-relative path without `./`, leading or trailing slashes; undefined when it climbs out with `..`. */
export function cleanPath(name: string): string | undefined {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

async function ensureDir(fs: GuestFs, path: string): Promise<void> {
  const parts = path.split('/').filter((p) => p !== '');
  let current = path.startsWith('/') ? '/' : '';
  for (const part of parts) {
    current = joinPath(current, part);
    const st = await fs.lstat(current);
    if (!st) await fs.mkdir(current, { mode: 0o755, uid: 0, gid: 0, mtime: new Date() });
    else if (st.kind !== 'directory') throw new EngineError('CONFLICT', `${current} exists and is not a directory`);
  }
}

/** Creates missing parent directories (tars need not list them); 9p's create does not make parents. */
async function ensureParents(fs: GuestFs, dir: string, path: string, created: Set<string>): Promise<void> {
  const parts = path.split('/');
  parts.pop();
  let current = '';
  for (const part of parts) {
    current = joinPath(current, part);
    if (created.has(current)) continue;
    const target = joinPath(dir, current);
    const st = await fs.lstat(target);
    if (st?.kind !== 'directory') {
      if (st) await fs.rm(target);
      await fs.mkdir(target, { mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) });
    }
    created.add(current);
  }
}

async function replaceExisting(fs: GuestFs, target: string, known: boolean): Promise<void> {
  // A later tar entry for the same path replaces the earlier one (tar semantics).
  if (known || (await fs.lstat(target))) await fs.rm(target);
}

function wrapTarError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EngineError('PROTOCOL', `layer is not a valid tar${message ? `: ${message}` : ''}`, { cause: e });
}

/** The uncompressed tar of a layer blob. */
export async function decompress(source: ReadableStream<Uint8Array>, compression: LayerCompression): Promise<ReadableStream<Uint8Array>> {
  switch (compression) {
    case 'gzip':
      return source.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
    case 'none':
      return source;
    default:
      await source.cancel().catch(() => {});
      throw new EngineError('NOT_IMPLEMENTED', `layers compressed with ${compression} are not supported yet; use gzip`);
  }
}

/**
 * Reads a layer without writing it anywhere: checks its DiffID and measures it. Used when a layer is
 * stored but there is no guest file system to unpack it into yet.
 */
export async function scanLayer(
  source: ReadableStream<Uint8Array>,
  compression: LayerCompression,
  diffId?: Digest,
): Promise<{ diffId: Digest; tarSize: number; contentSize: number }> {
  const verify = digestingStream(diffId ? { digest: diffId } : undefined);
  const reader = (await decompress(source, compression)).pipeThrough(verify.stream).pipeThrough(createTarDecoder()).getReader();
  let contentSize = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if ((value.header.type ?? 'file') === 'file' && !baseNameOf(value.header.name).startsWith(WHITEOUT_PREFIX)) contentSize += value.header.size;
      await value.body.cancel();
    }
    const { digest, size } = await verify.result;
    return { diffId: digest, tarSize: size, contentSize };
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw wrapTarError(e);
  }
}

function baseNameOf(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
