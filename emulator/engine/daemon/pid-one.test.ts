import { describe, expect, it } from 'vitest';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { findPidOne, nsPids } from './pid-one.ts';

const enc = new TextEncoder();

/** A guest whose files change as time goes on: `files(n)` is what the n-th look at them sees. */
function guestWith(files: (n: number) => Record<string, string>): GuestExec & { looks: number } {
  const g = {
    looks: 0,
    exec: () => Promise.reject(new Error('no process may be started')),
    spawn: () => {
      throw new Error('no process may be started');
    },
    writeFile: () => Promise.reject(new Error('unused')),
    readFile: async (path: string) => {
      if (path.endsWith('cgroup.procs')) g.looks++;
      const text = files(g.looks)[path];
      if (text === undefined) throw new Error(`ENOENT ${path}`);
      return enc.encode(text);
    },
  };
  return g;
}

const CG = '/sys/fs/cgroup/drydock/c1';

describe('findPidOne', () => {
  it('reads NSpid', () => {
    expect(nsPids('Name:\tsh\nNSpid:\t75\t1\nNSpgid:\t75\t1\n')).toEqual(['75', '1']);
    expect(nsPids('Name:\tsh\nNSpid:\t74\n')).toEqual(['74']);
    expect(nsPids('')).toEqual([]);
  });

  it('waits for the wrapper to fork PID 1 and skips PID 1\'s own children', async () => {
    const guest = guestWith((n) => ({
      [`${CG}/cgroup.procs`]: n < 3 ? '74\n' : '74\n80\n75\n',
      '/proc/74/status': 'NSpid:\t74\n',
      '/proc/80/status': 'NSpid:\t80\t2\n',
      '/proc/75/status': 'NSpid:\t75\t1\n',
    }));
    expect(await findPidOne(guest, CG, { wrapper: 74, ended: () => false })).toBe(75);
    expect(guest.looks).toBe(3);
  });

  it('without the wrapper\'s pid (a container on the learner\'s terminal) the wrapper is told apart by its NSpid', async () => {
    const guest = guestWith(() => ({ [`${CG}/cgroup.procs`]: '74\n75\n', '/proc/74/status': 'NSpid:\t74\n', '/proc/75/status': 'NSpid:\t75\t1\n' }));
    expect(await findPidOne(guest, CG, { ended: () => false })).toBe(75);
  });

  it('gives up when the process ended, or time ran out', async () => {
    let ended = false;
    const guest = guestWith((n) => {
      if (n >= 2) ended = true;
      return { [`${CG}/cgroup.procs`]: '74\n', '/proc/74/status': 'NSpid:\t74\n' };
    });
    expect(await findPidOne(guest, CG, { wrapper: 74, ended: () => ended })).toBeUndefined();
    expect(await findPidOne(guestWith(() => ({ [`${CG}/cgroup.procs`]: '' })), CG, { ended: () => false, timeoutMs: 50 })).toBeUndefined();
  });
});
