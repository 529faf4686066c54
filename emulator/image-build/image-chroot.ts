// Runs an image's own i386 program at build time, as a Dockerfile's RUN would: under qemu-user with v86's CPU
// model, chrooted into a copy of the layers staged so far, with a clean environment.

import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './sh.ts';

/**
 * v86's CPU as qemu names it (the guest's /proc/cpuinfo: "Pentium III (Katmai)" with sse2, pni, popcnt). What a
 * program records about the CPU it ran on (V8 stamps its snapshots with the features it detected and refuses them
 * elsewhere) must be what the guest has, never the build machine's CPU.
 */
export const V86_CPU = 'pentium3,+sse2,+pni,+popcnt';
const QEMU = '/usr/bin/qemu-i386-static';

/**
 * Runs `argv` in a chroot made of `roots` (bottom first, the later ones over the earlier), then hands the chroot's
 * path to `collect` to take what the program made before the copy is removed.
 */
export function runInImage(roots: string[], argv: string[], collect: (chroot: string) => void): void {
  const chroot = mkdtempSync(join(tmpdir(), 'drydock-image-run.'));
  try {
    for (const root of roots) cpSync(root, chroot, { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(chroot, 'tmp'), { recursive: true });
    copyFileSync(QEMU, join(chroot, 'qemu-i386-static'));
    // A clean environment: the build machine's NODE_OPTIONS, PYTHONPATH and the like must not shape the result.
    run('env', ['-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'chroot', chroot, '/qemu-i386-static', '-cpu', V86_CPU, ...argv]);
    collect(chroot);
  } finally {
    rmSync(chroot, { recursive: true, force: true });
  }
}
