import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeSpec } from '../containers/runtime-spec.ts';
import { isEngineError } from '../errors.ts';
import { lowerSpec, sharesToWeight, type ContainerLayout } from './lower.ts';
import { machineBudget } from './runtime.ts';
import { quoteArgv } from './shell-quote.ts';
import { encodeWord } from './steps-file.ts';

// The containers/ golden config.json files (what the engine writes for real `docker run` lines) are the input.
const SPECS = join(import.meta.dirname, '../containers/testdata/spec');
const ID = '3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
const BUNDLE = `/var/lib/drydock/containers/${ID}`;
const LAYOUT: ContainerLayout = {
  id: ID,
  bundle: BUNDLE,
  rootfs: {
    lowerDirs: ['/mnt/host/layers/2222222222222222222222222222222222222222222222222222222222222222', '/mnt/host/layers/1111111111111111111111111111111111111111111111111111111111111111'],
    upperDir: `${BUNDLE}/upper`,
    workDir: `${BUNDLE}/work`,
    mergedDir: `${BUNDLE}/rootfs`,
  },
};
const load = (name: string) => JSON.parse(readFileSync(join(SPECS, name), 'utf8')) as RuntimeSpec;

describe('runtime trace golden files', () => {
  for (const file of readdirSync(SPECS).filter((f) => f.endsWith('.config.json'))) {
    const name = file.replace('.config.json', '');
    it(name, async () => {
      // the guest's task limit and memory as the 256 MiB guest reports them
      const trace = lowerSpec(load(file), LAYOUT, machineBudget(3918, 250_000));
      await expect(trace.files.trace).toMatchFileSnapshot(`testdata/${name}.trace.sh`);
      await expect(trace.files.init).toMatchFileSnapshot(`testdata/${name}.init.sh`);
      await expect(trace.files.steps).toMatchFileSnapshot(`testdata/${name}.steps`);
    });
  }
});

describe('lowerSpec', () => {
  const base = () => load('busybox-sh.config.json');

  it('writes cgroup v2 limits from linux.resources', () => {
    const spec = base();
    spec.linux.resources = { memory: { limit: 32 << 20, swap: 64 << 20 }, pids: { limit: 50 }, cpu: { quota: 50000, period: 100000, shares: 512 } };
    const writes = lowerSpec(spec, LAYOUT).create.filter((s) => s.stdoutTo?.startsWith(`/sys/fs/cgroup/drydock/${ID}/`));
    expect(writes.map((s) => [s.stdoutTo!.split('/').at(-1), s.argv[1]])).toEqual([
      ['memory.max', String(32 << 20)],
      ['memory.swap.max', String(32 << 20)],
      ['pids.max', '50'],
      ['cpu.max', '50000 100000'],
      ['cpu.weight', String(sharesToWeight(512))],
    ]);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(2)).toBe(1);
  });

  it('lists lowerdirs topmost first and mounts the overlay before anything runs', () => {
    const mount = lowerSpec(base(), LAYOUT).create.find((s) => s.argv[0] === 'mount')!;
    expect(mount.argv).toContain(`lowerdir=${LAYOUT.rootfs.lowerDirs.join(':')},upperdir=${BUNDLE}/upper,workdir=${BUNDLE}/work`);
  });

  it('mounts an image without layers (FROM scratch) over an empty lower dir in the bundle, removed with it', () => {
    const trace = lowerSpec(base(), { ...LAYOUT, rootfs: { ...LAYOUT.rootfs, lowerDirs: [] } });
    const mount = trace.create.find((s) => s.op[0] === 'mount' && s.op[3] === 'overlay');
    expect(mount?.op[4]).toBe(`lowerdir=${BUNDLE}/lower,upperdir=${BUNDLE}/upper,workdir=${BUNDLE}/work`);
    expect(trace.create.find((s) => s.op[0] === 'mkdir' && s.op.includes(BUNDLE))?.op).toContain(`${BUNDLE}/lower`);
    expect(trace.delete.at(-1)?.op).toContain(BUNDLE);
  });

  it('creates one namespace per linux.namespaces entry and no network namespace for --network host', () => {
    const t = lowerSpec(load('host-network-volumes.config.json'), LAYOUT);
    expect(t.shellProcess).not.toContain('--net');
    expect(t.start[1]!.op).not.toContain('net');
    expect(t.init.some((s) => s.argv.includes('lo'))).toBe(false);
    expect(lowerSpec(base(), LAYOUT).shellProcess).toContain('--net');
    expect(lowerSpec(base(), LAYOUT).start[1]!.op.slice(1).sort()).toEqual(['cgroup', 'ipc', 'mount', 'net', 'pid', 'uts']);
  });

  it('drops capabilities to the bounding set and sets uid/gid last', () => {
    const t = lowerSpec(load('user-readonly-capdrop.config.json'), LAYOUT);
    const exec = t.init.at(-1)!.argv;
    const bounding = exec[exec.indexOf('--bounding-set') + 1]!;
    expect(bounding.startsWith('-all,')).toBe(true);
    expect(bounding).not.toContain('net_raw');
    expect(exec).toContain('--setuid=1000');
    const op = t.init.at(-1)!.op;
    expect(op.slice(0, op.indexOf('--'))).toEqual(expect.arrayContaining(['exec', 'root=.', 'uid=1000', 'gid=0']));
    expect(op.find((w) => w.startsWith('caps='))).not.toContain('CAP_NET_RAW');
    expect(t.init.some((s) => s.argv.join(' ') === `mount -o remount,bind,ro ${BUNDLE}/rootfs`)).toBe(true);
  });

  it('--cap-drop ALL: drydock-init keeps no capability; the shell replay keeps only what unshare needs to enter', () => {
    const spec = base();
    spec.process.capabilities = { bounding: [], effective: [], permitted: [] };
    spec.process.user = { uid: 1000, gid: 1000, additionalGids: [1000, 10] };
    const last = lowerSpec(spec, LAYOUT).init.at(-1)!;
    expect(last.op).toContain('caps=');
    expect(last.op).toContain('groups=1000,10');
    expect(last.argv).toEqual(expect.arrayContaining(['-all,+sys_chroot,+setuid', '--regid=1000', '--groups=1000,10', '--setuid=1000']));
    expect(last.argv.some((w) => w.startsWith('--setgid'))).toBe(false);
    expect(last.why).toContain('drydock-init chroots');
  });

  it('writes one steps-file line per step, in sections, with words percent-encoded', () => {
    const spec = base();
    spec.process.args = ['echo', 'a b', '', '100%', '$R'];
    const t = lowerSpec(spec, LAYOUT);
    const lines = t.files.steps.split('\n');
    const sections = lines.filter((l) => l.startsWith('['));
    expect(sections).toEqual(['[create]', '[start]', '[init]', '[delete]', '[reset]']);
    const steps = lines.filter((l) => l && !l.startsWith('#') && !l.startsWith('[') && !/^[A-Z]+=/.test(l));
    expect(lines).toContain(`R=${BUNDLE}/rootfs`);
    expect(steps.length).toBe(t.create.length + t.start.length + t.init.length + t.delete.length + t.reset.length);
    expect(steps).toContain('join-cgroup $C/cgroup.procs');
    expect(steps.find((l) => l.startsWith('exec '))!.endsWith(' -- echo a%20b % 100%25 %24R')).toBe(true);
    expect(steps).toContain('? -e $R/proc/bus mount none $R/proc/bus none remount,bind,ro');
    expect(encodeWord('é')).toBe('%C3%A9');
    expect(t.process).toEqual(['/sbin/drydock-init', 'start,init', `${BUNDLE}/steps`]);
  });

  it('refuses joining existing namespaces and an empty command', () => {
    const spec = base();
    spec.linux.namespaces.push({ type: 'network', path: '/proc/1/ns/net' });
    expect(() => lowerSpec(spec, LAYOUT)).toThrow(/not supported yet/);
    const empty = base();
    empty.process.args = [];
    try {
      lowerSpec(empty, LAYOUT);
      expect.unreachable();
    } catch (e) {
      expect(isEngineError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('quotes argv so the shell reads back the same words', () => {
    expect(quoteArgv(['echo', "it's", 'a b', '$HOME', ''])).toBe(`echo 'it'\\''s' 'a b' '$HOME' ''`);
  });
});
