// The engine's layer unpacker writing into v86's real 9p file system through ShareFs (emulator/vm/share-fs.ts)
// and the structural adapter guestFsFromShare: no guest is booted, only v86's FS object is used.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { V86 } from 'v86';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../../emulator/engine/oci/digest.ts';
import { guestFsFromShare } from '../../../emulator/engine/overlay/guest-fs-share.ts';
import { unpackLayer } from '../../../emulator/engine/images/layer-unpack.ts';
import { mergedLowerView } from '../../../emulator/engine/overlay/lower-view.ts';
import { ShareFs, type V86FileSystem } from '../../../emulator/vm/share-fs.ts';
import { sha } from './registry-fixture.ts';

const require = createRequire(import.meta.url);
let emulator: { fs9p: V86FileSystem; destroy(): Promise<void> | void };

beforeAll(async () => {
  emulator = await new Promise((resolve) => {
    // autostart false: the CPU never runs, but the 9p file system object exists.
    const e = new V86({ wasm_path: require.resolve('v86/build/v86.wasm'), filesystem: {}, autostart: false, bios: { buffer: new ArrayBuffer(65536) }, memory_size: 32 * 1024 * 1024 } as never) as never as {
      fs9p: V86FileSystem;
      destroy(): void;
      add_listener(name: string, f: () => void): void;
    };
    e.add_listener('emulator-loaded', () => resolve(e));
  });
});
afterAll(async () => {
  await emulator?.destroy();
});

const t0 = new Date('2024-01-02T03:04:05Z');
const file = (name: string, body: string, mode = 0o644, uid = 0, gid = 0) => ({ header: { name, type: 'file' as const, size: body.length, mode, uid, gid, mtime: t0 }, body });

describe('unpacking into v86 9p via ShareFs', () => {
  it('writes files, modes, owners, symlinks, hard links and whiteouts the guest will see', async () => {
    const share = new ShareFs(emulator.fs9p);
    const fs = guestFsFromShare(share);
    const lowerTar = await packTar([file('etc/motd', 'hello'), file('var/cache/a', 'a'), file('var/cache/sub/b', 'b')]);
    await unpackLayer(new Blob([gzipSync(lowerTar)]).stream(), { fs, dir: '/layers/1', compression: 'gzip', diffId: sha(lowerTar) as Digest });
    const upperTar = await packTar([
      file('usr/bin/su', 'SU', 0o4755),
      file('home/me/x', 'mine', 0o600, 1000, 1000),
      { header: { name: 'usr/bin/su2', type: 'link', size: 0, linkname: 'usr/bin/su' } },
      { header: { name: 'bin', type: 'symlink', size: 0, linkname: 'usr/bin' } },
      file('etc/.wh.motd', ''),
      file('var/cache/.wh..wh..opq', ''),
      file('var/cache/sub/c', 'c'),
    ]);
    const r = await unpackLayer(new Blob([upperTar]).stream(), { fs, dir: '/layers/2', compression: 'none', lower: mergedLowerView(fs, ['/layers/1']) });
    expect(r.whiteouts).toBe(3);

    expect(share.stat('/layers/2/usr/bin/su')).toMatchObject({ type: 'file', mode: 0o4755, size: 2 });
    expect(share.stat('/layers/2/usr/bin/su2')).toMatchObject({ type: 'file', nlinks: 2 });
    expect(share.stat('/layers/2/home/me/x')).toMatchObject({ mode: 0o600, uid: 1000, gid: 1000, mtime: t0.getTime() / 1000 });
    expect(share.stat('/layers/2/bin')).toMatchObject({ type: 'symlink', target: 'usr/bin' });
    for (const whiteout of ['/layers/2/etc/motd', '/layers/2/var/cache/a', '/layers/2/var/cache/sub/b']) {
      expect(share.stat(whiteout)).toMatchObject({ type: 'char', major: 0, minor: 0 });
    }
    expect(new TextDecoder().decode(await share.readFile('/layers/2/usr/bin/su2'))).toBe('SU');
    expect(await mergedLowerView(fs, ['/layers/2', '/layers/1']).list('var/cache')).toEqual([{ name: 'sub', isDirectory: true }]);
  });
});
