// The node image's startup snapshot: Debian builds node without its embedded snapshot (node_use_node_snapshot
// false), so every start compiles node's own bootstrap JavaScript, which costs seconds in the emulated CPU. A
// user-land snapshot taken right after that bootstrap (`--build-snapshot` of an empty script) lets each start
// deserialize it instead.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V86_CPU, runInImage } from './image-chroot.ts';
import type { DebPackage } from './packages.ts';
import { run } from './sh.ts';

/** Where the blob sits in the image; NODE_OPTIONS names it. */
export const NODE_SNAPSHOT_PATH = '/usr/lib/node/startup.blob';
/** What the layer's history says, as a Dockerfile's RUN would have it. */
export const NODE_SNAPSHOT_RUN = `/bin/sh -c touch /tmp/empty.js && node --snapshot-blob ${NODE_SNAPSHOT_PATH} --build-snapshot /tmp/empty.js && rm /tmp/empty.js`;

const REGISTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/registry');
/** Bump when the way the blob is made changes, so the committed one is not reused. */
const RECIPE = 1;

/**
 * The history comment of the snapshot layer: it names what the blob was made from (the image's packages, v86's CPU
 * model, the recipe), so that a rebuild from the same inputs can find the blob it made last time.
 */
export function nodeSnapshotComment(packages: DebPackage[]): string {
  const inputs = [...packages.map((p) => `${p.name}=${p.version}`), V86_CPU, `recipe ${RECIPE}`].join('\n');
  return `node-snapshot ${createHash('sha256').update(inputs).digest('hex').slice(0, 16)}`;
}

/**
 * Puts the blob in `root`: the committed image's, when its snapshot layer was made from the same inputs, else a new
 * one from the image's own node on v86's CPU model (V8 refuses a snapshot made on a CPU with other features: "Failed
 * to load the startup snapshot ... Expected tag"). A new blob is never byte-identical to the last (V8 records
 * timings in it), so without the reuse every build would change the image and the digests lessons quote.
 */
export function buildNodeSnapshot(root: string, lowerRoots: string[], packages: DebPackage[]): void {
  mkdirSync(join(root, dirname(NODE_SNAPSHOT_PATH)), { recursive: true });
  if (reuseCommitted(root, nodeSnapshotComment(packages))) return;
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'tmp/empty.js'), '');
  runInImage([...lowerRoots, root], ['/usr/bin/node', '--snapshot-blob', '/tmp/startup.blob', '--build-snapshot', '/tmp/empty.js'], (chroot) => {
    renameSync(join(chroot, 'tmp/startup.blob'), join(root, NODE_SNAPSHOT_PATH));
  });
  rmSync(join(root, 'tmp'), { recursive: true });
}

/** Extracts the blob from the committed node image's layer whose history has this comment; false if none has. */
function reuseCommitted(root: string, comment: string): boolean {
  const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const blob = (digest: string) => join(REGISTRY, 'blobs/sha256', digest.slice('sha256:'.length));
  const indexPath = join(REGISTRY, 'v2/node/manifests/latest');
  if (!existsSync(indexPath)) return false;
  const entries = json(indexPath).manifests as { digest: string; platform: { architecture: string } }[];
  const manifestDigest = entries.find((m) => m.platform.architecture === '386')?.digest;
  if (!manifestDigest || !existsSync(blob(manifestDigest))) return false;
  const manifest = json(blob(manifestDigest)) as { config: { digest: string }; layers: { digest: string }[] };
  const history = (json(blob(manifest.config.digest)).history ?? []) as { comment?: string; empty_layer?: boolean }[];
  const layerIndex = history.filter((h) => !h.empty_layer).findIndex((h) => h.comment === comment);
  const layer = manifest.layers[layerIndex];
  if (layerIndex < 0 || !layer || !existsSync(blob(layer.digest))) return false;
  run('tar', ['-xzf', blob(layer.digest), '-C', root, NODE_SNAPSHOT_PATH.slice(1)]);
  return true;
}
