// The node image's startup snapshot: Debian builds node without its embedded snapshot (node_use_node_snapshot
// false), so every start compiles node's own bootstrap JavaScript, which costs seconds in the emulated CPU. A
// user-land snapshot taken right after that bootstrap (`--build-snapshot` of an empty script) lets each start
// deserialize it instead.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInImage } from './image-chroot.ts';

/** Where the blob sits in the image; NODE_OPTIONS names it. */
export const NODE_SNAPSHOT_PATH = '/usr/lib/node/startup.blob';
/** What the layer's history says, as a Dockerfile's RUN would have it. */
export const NODE_SNAPSHOT_RUN = `/bin/sh -c touch /tmp/empty.js && node --snapshot-blob ${NODE_SNAPSHOT_PATH} --build-snapshot /tmp/empty.js && rm /tmp/empty.js`;

/**
 * Runs the image's own node on v86's CPU model (V8 refuses a snapshot made on a CPU with other features: "Failed to
 * load the startup snapshot ... Expected tag") and puts the blob in `root`. The blob is not byte-reproducible (V8
 * seeds its heap randomly), so it gets a layer of its own and the layers below stay reproducible.
 */
export function buildNodeSnapshot(root: string, lowerRoots: string[]): void {
  const empty = join(root, 'tmp/empty.js');
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(empty, '');
  runInImage([...lowerRoots, root], ['/usr/bin/node', '--snapshot-blob', '/tmp/startup.blob', '--build-snapshot', '/tmp/empty.js'], (chroot) => {
    mkdirSync(join(root, 'usr/lib/node'), { recursive: true });
    renameSync(join(chroot, 'tmp/startup.blob'), join(root, NODE_SNAPSHOT_PATH));
  });
  rmSync(join(root, 'tmp'), { recursive: true });
}
