import { describe, expect, it } from 'vitest';
import { MemoryGuestFs } from '../overlay/guest-fs-memory.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { guestContextSource } from './context-source.ts';

const attrs = { mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) };

function fakeGuest(resolved: string): GuestExec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    exec: async (argv) => {
      calls.push(argv);
      return { exitCode: 0, stdout: new TextEncoder().encode(`${resolved}\n`), stderr: new Uint8Array() };
    },
    spawn: () => {
      throw new Error('not used');
    },
    writeFile: async () => {},
  };
}

describe('build context location', () => {
  it('reads a context under the share in JS, with no guest round trip', async () => {
    const fs = new MemoryGuestFs();
    await fs.mkdir('/work', attrs);
    await fs.writeFile('/work/Dockerfile', new TextEncoder().encode('FROM scratch\n'), attrs);
    await fs.writeFile('/work/.dockerignore', new TextEncoder().encode('*.log\n'), attrs);
    await fs.writeFile('/work/a.log', new TextEncoder().encode('x'), attrs);
    const guest = fakeGuest('unused');
    const source = await guestContextSource(guest, fs, '/mnt/host', { context: '/mnt/host/work/' });
    expect(await source.dockerfile()).toEqual({ name: 'Dockerfile', text: 'FROM scratch\n' });
    const tree = await source.load((await import('./dockerignore.ts')).parseDockerignore((await source.dockerignore()) ?? ''));
    expect([...tree.entries.keys()].sort()).toEqual(['.', '.dockerignore', 'Dockerfile']);
    expect(guest.calls).toEqual([]);
  });

  it('asks the guest where a symlinked context really is (/root/app -> /mnt/host/work)', async () => {
    const fs = new MemoryGuestFs();
    await fs.mkdir('/work', attrs);
    await fs.writeFile('/work/Dockerfile', new TextEncoder().encode('FROM busybox\n'), attrs);
    const guest = fakeGuest('/mnt/host/work');
    const source = await guestContextSource(guest, fs, '/mnt/host', { context: '/root/app' });
    expect((await source.dockerfile()).text).toBe('FROM busybox\n');
    expect(guest.calls).toHaveLength(1);
    await expect((await guestContextSource(guest, fs, '/mnt/host', { context: '/root/app', dockerfile: 'nope' })).dockerfile()).rejects.toThrow('failed to read dockerfile: open nope: no such file or directory');
  });
});
