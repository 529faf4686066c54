// The node image's startup snapshot: Debian builds node without its embedded snapshot (node_use_node_snapshot
// false), so every start compiles node's own bootstrap JavaScript, which costs seconds in the emulated CPU. A
// user-land snapshot taken right after that bootstrap (`--build-snapshot` of an empty script) lets each start
// deserialize it instead.

import { copyFileSync, cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './sh.ts';

/** Where the blob sits in the image; NODE_OPTIONS names it. */
export const NODE_SNAPSHOT_PATH = '/usr/lib/node/startup.blob';
/** What the layer's history says, as a Dockerfile's RUN would have it. */
export const NODE_SNAPSHOT_RUN = `/bin/sh -c touch /tmp/empty.js && node --snapshot-blob ${NODE_SNAPSHOT_PATH} --build-snapshot /tmp/empty.js && rm /tmp/empty.js`;

/**
 * v86's CPU as qemu names it (the guest's /proc/cpuinfo: "Pentium III (Katmai)" with sse2, pni, popcnt). V8 tags a
 * snapshot with the CPU features it detected and refuses to load it on a CPU that differs ("Failed to load the
 * startup snapshot ... Expected tag"), so the blob is made on this model, never on the build machine's own CPU.
 */
const V86_CPU = 'pentium3,+sse2,+pni,+popcnt';
const QEMU = '/usr/bin/qemu-i386-static';

/**
 * Runs the image's own i386 node under qemu-user in a chroot made of the layers below, and puts the blob in `root`.
 * The blob is not byte-reproducible (V8 seeds its heap randomly), so it gets a layer of its own and the layers below
 * stay reproducible.
 */
export function buildNodeSnapshot(root: string, lowerRoots: string[]): void {
  const chroot = mkdtempSync(join(tmpdir(), 'drydock-node-snapshot.'));
  try {
    for (const lower of lowerRoots) cpSync(lower, chroot, { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(chroot, 'tmp'), { recursive: true });
    writeFileSync(join(chroot, 'tmp/empty.js'), '');
    copyFileSync(QEMU, join(chroot, 'qemu-i386-static'));
    // A clean environment: the build machine's NODE_OPTIONS or NODE_EXTRA_CA_CERTS must not shape the snapshot.
    run('env', [
      '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'chroot', chroot,
      '/qemu-i386-static', '-cpu', V86_CPU, '/usr/bin/node', '--snapshot-blob', '/tmp/startup.blob', '--build-snapshot', '/tmp/empty.js',
    ]);
    mkdirSync(join(root, 'usr/lib/node'), { recursive: true });
    renameSync(join(chroot, 'tmp/startup.blob'), join(root, NODE_SNAPSHOT_PATH));
  } finally {
    rmSync(chroot, { recursive: true, force: true });
  }
}
