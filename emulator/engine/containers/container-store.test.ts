import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.ts';
import { createContainer, removeContainerVolumes, type ImageForCreate } from './container-create.ts';
import { humanDuration } from '../units/human.ts';
import { statusString, stateJSON, type ContainerState } from './container-state.ts';
import { ContainerStore } from './container-store.ts';
import { generateId, matchPrefix, shortId } from './ids.ts';
import { MemoryJsonStorage } from './json-storage.ts';
import { NAME_WORDS, randomName } from './names.ts';
import { createConfigFor } from '../../../test/unit/engine/run-line.ts';
import { VolumeStore } from './volume-store.ts';

const T0 = Date.UTC(2026, 10, 25, 15, 0, 0);
const BUSYBOX: ImageForCreate = {
  id: 'sha256:aaaabbbbccccddddeeeeffff00001111222233334444555566667777888899990',
  name: 'busybox',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  lowerDirs: ['/mnt/host/layers/1111'],
};

async function setup(storage = new MemoryJsonStorage(), volumeStorage = new MemoryJsonStorage()) {
  const clock = { now: T0 };
  const containers = await ContainerStore.open(storage, { now: () => clock.now });
  const volumes = await VolumeStore.open(volumeStorage, { now: () => clock.now, usedBy: (n) => containers.usingVolume(n) });
  const deps = { containers, volumes };
  const create = async (line: string) => createContainer(deps, await createConfigFor(line), BUSYBOX);
  return { clock, containers, volumes, deps, create, storage, volumeStorage };
}

function errorOf(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    return e as EngineError;
  }
  throw new Error('no error');
}

describe('ids', () => {
  it('64 hex, short form 12, never an all-digit short form', () => {
    const id = generateId();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(shortId(id)).toBe(id.slice(0, 12));
    let calls = 0;
    const fake = (b: Uint8Array) => b.fill(calls++ === 0 ? 0x11 : 0xab);
    expect(generateId(fake)).toBe('ab'.repeat(32));
    expect(calls).toBe(2);
  });
  it('prefix matching', () => {
    expect(matchPrefix(['abc1', 'abd2'], 'ab')).toEqual({ kind: 'many' });
    expect(matchPrefix(['abc1', 'abd2'], 'abc')).toEqual({ kind: 'one', id: 'abc1' });
    expect(matchPrefix(['abc1', 'abc12'], 'abc1')).toEqual({ kind: 'one', id: 'abc1' });
    expect(matchPrefix(['abc1'], 'x')).toEqual({ kind: 'none' });
  });
});

describe('names', () => {
  it('adjective_surname, never boring_wozniak, digit after a retry', () => {
    expect(randomName()).toMatch(/^[a-z]+_[a-z]+$/);
    expect(randomName(1)).toMatch(/^[a-z]+_[a-z]+\d$/);
    const adjectives = NAME_WORDS.adjectives;
    const surnames = NAME_WORDS.surnames;
    // boring_wozniak first, then happy_turing
    const seq = [adjectives.indexOf('boring'), surnames.indexOf('wozniak'), adjectives.indexOf('happy'), surnames.indexOf('turing')];
    const lengths = [adjectives.length, surnames.length, adjectives.length, surnames.length];
    let i = 0;
    expect(randomName(0, () => ((seq[i] as number) + 0.5) / (lengths[i++] as number))).toBe('happy_turing');
  });
});

describe('ContainerStore', () => {
  it('creates with a generated name, finds by ID, name, /name and unique prefix', async () => {
    const { containers, create } = await setup();
    const a = await create('--name web busybox');
    const b = await create('busybox');
    expect(b.name).toMatch(/^[a-z]+_[a-z]+$/);
    expect(containers.get(a.id)).toBe(a);
    expect(containers.get('web')).toBe(a);
    expect(containers.get('/web')).toBe(a);
    expect(containers.get(a.id.slice(0, 5))).toBe(a);
    expect(containers.get(b.name)).toBe(b);
    expect(errorOf(() => containers.get('nope')).message).toBe('No such container: nope');
    expect(errorOf(() => containers.get('nope')).code).toBe('NOT_FOUND');
  });

  it('ambiguous prefix: multiple IDs found with provided prefix', async () => {
    const { containers, create } = await setup();
    const ids = [`abc${'1'.repeat(61)}`, `abd${'2'.repeat(61)}`];
    for (const id of ids) await containers.create({ ...(await create('busybox')), id, name: `c${id[2]}` });
    const e = errorOf(() => containers.get('ab'));
    expect(e.message).toBe('multiple IDs found with provided prefix: ab');
    expect(containers.get('abc').id).toBe(ids[0]);
  });

  it('refuses a taken --name with Docker\'s message and creates nothing', async () => {
    const { containers, volumes, create } = await setup();
    const web = await create('--name web busybox');
    await expect(create('--name web -v data:/data busybox')).rejects.toThrow(
      `Conflict. The container name "/web" is already in use by container "${web.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    expect(containers.list()).toHaveLength(1);
    expect(volumes.list()).toHaveLength(0);
  });

  it('no command: refused before anything exists', async () => {
    const { containers, volumes, deps } = await setup();
    await expect(createContainer(deps, await createConfigFor('-v data:/data scratch'), { ...BUSYBOX, config: {} })).rejects.toThrow('no command specified');
    expect(containers.list()).toHaveLength(0);
    expect(volumes.list()).toHaveLength(0);
  });

  it('states, transitions and Docker status strings', async () => {
    const { clock, containers, create } = await setup();
    const c = await create('--name web busybox');
    expect(statusString(c.state, clock.now)).toBe('Created');
    clock.now += 1000;
    await containers.markStarted(c.id, 4242);
    clock.now += 3000;
    expect(statusString(c.state, clock.now)).toBe('Up 3 seconds');
    await containers.markPaused(c.id);
    expect(statusString(c.state, clock.now)).toBe('Up 3 seconds (Paused)');
    await expect(containers.markPaused(c.id)).rejects.toThrow(`Container ${c.id} is already paused`);
    await containers.markUnpaused(c.id);
    await expect(containers.markUnpaused(c.id)).rejects.toThrow(`Container ${c.id} is not paused`);
    await expect(containers.markStarted(c.id, 1)).rejects.toThrow('is already running');
    await containers.markExited(c.id, { exitCode: 137, oomKilled: true });
    clock.now += 2000;
    expect(statusString(c.state, clock.now)).toBe('Exited (137) 2 seconds ago');
    clock.now += 90_000;
    expect(statusString(c.state, clock.now)).toBe('Exited (137) About a minute ago');
    expect(stateJSON(c.state)).toEqual({
      Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: true, Dead: false, Pid: 0, ExitCode: 137, Error: '',
      StartedAt: '2026-11-25T15:00:01Z', FinishedAt: '2026-11-25T15:00:04Z',
    });
  });

  it('humanDuration like go-units', () => {
    const cases: [number, string][] = [[0, 'Less than a second'], [1000, '1 second'], [59_000, '59 seconds'], [60_000, 'About a minute'], [119_000, 'About a minute'], [120_000, '2 minutes'], [3_000_000, '50 minutes'], [3_600_000, 'About an hour'], [5_400_000, '2 hours'], [47 * 3_600_000, '47 hours'], [3 * 86_400_000, '3 days'], [15 * 86_400_000, '2 weeks'], [90 * 86_400_000, '3 months'], [800 * 86_400_000, '2 years']];
    for (const [ms, text] of cases) expect(humanDuration(ms)).toBe(text);
  });

  it('other status strings', () => {
    const base: ContainerState = { status: 'restarting', pid: 0, exitCode: 1, oomKilled: false, error: '', startedAt: T0, finishedAt: T0 };
    expect(statusString(base, T0 + 5000)).toBe('Restarting (1) 5 seconds ago');
    expect(statusString({ ...base, status: 'dead' }, T0)).toBe('Dead');
    expect(statusString({ ...base, status: 'removing' }, T0)).toBe('Removal In Progress');
  });

  it('rm refuses running and paused containers without force', async () => {
    const { containers, create } = await setup();
    const c = await create('busybox');
    await containers.markStarted(c.id, 7);
    await expect(containers.remove(c.id)).rejects.toThrow(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
    await containers.markPaused(c.id);
    await expect(containers.remove(c.id)).rejects.toThrow(`You cannot remove a paused container ${c.id}. Unpause and then stop the container before attempting removal or force remove`);
    await containers.remove(c.id, { force: true });
    expect(containers.list()).toHaveLength(0);
  });

  it('rename', async () => {
    const { containers, create } = await setup();
    const a = await create('--name a1 busybox');
    await create('--name b1 busybox');
    await expect(containers.rename('a1', 'b1')).rejects.toThrow('Conflict. The container name "/b1" is already in use');
    await containers.rename('a1', 'c1');
    expect(containers.get('c1')).toBe(a);
  });

  it('persists; after a reload running containers are exited (255), --rm ones that ran are gone', async () => {
    const s = await setup();
    const web = await s.create('--name web -d busybox');
    const tmp = await s.create('--name tmp --rm busybox');
    const done = await s.create('--name done busybox');
    await s.containers.markStarted(web.id, 10);
    await s.containers.markStarted(tmp.id, 11);
    await s.containers.markStarted(done.id, 12);
    await s.containers.markExited(done.id, { exitCode: 0 });
    s.clock.now += 60_000;
    // opened with the guest that was saved with them (a checkpoint restore): nothing is decided before the engine looks
    const kept = await ContainerStore.open(s.storage, { now: () => s.clock.now, guestKept: true });
    expect(kept.list().map((r) => `${r.name} ${r.state.status} ${r.state.pid}`).sort()).toEqual(['done exited 0', 'tmp running 11', 'web running 10']);
    const reloaded = await ContainerStore.open(s.storage, { now: () => s.clock.now });
    expect(reloaded.list().map((r) => r.name).sort()).toEqual(['done', 'web']);
    expect(reloaded.get('web').state).toMatchObject({ status: 'exited', exitCode: 255, pid: 0, finishedAt: s.clock.now });
    expect(reloaded.get('done').state).toMatchObject({ status: 'exited', exitCode: 0 });
  });

  it('events through subscribe, with a disposer', async () => {
    const { containers, create } = await setup();
    const events: string[] = [];
    const dispose = containers.subscribe((r, e) => events.push(`${e} ${r.name}`));
    const c = await create('--name x1 busybox');
    await containers.markStarted(c.id, 1);
    dispose();
    await containers.markExited(c.id, { exitCode: 0 });
    expect(events).toEqual(['create x1', 'start x1']);
  });
});

describe('volumes', () => {
  it('-v creates named and anonymous volumes; in-use refusal; --rm removes anonymous ones', async () => {
    const { containers, volumes, deps, create } = await setup();
    const c = await create('--name db -v data:/var/lib/data -v /scratch -v /mnt/host/x:/x:ro busybox');
    const names = volumes.list().map((v) => v.Name);
    expect(names).toContain('data');
    const anon = names.find((n) => n !== 'data') as string;
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    expect(c.hostConfig.Binds).toEqual(['data:/var/lib/data', '/mnt/host/x:/x:ro']);
    expect(c.config.Volumes).toEqual({ '/var/lib/data': {}, '/scratch': {} });
    expect(volumes.inspect('data')).toEqual({
      CreatedAt: '2026-11-25T15:00:00Z', Driver: 'local', Labels: null, Mountpoint: '/var/lib/drydock/volumes/data/_data', Name: 'data', Options: null, Scope: 'local',
    });
    await expect(volumes.remove('data')).rejects.toThrow(`remove data: volume is in use - [${c.id}]`);
    const removed = await containers.remove('db');
    expect(await removeContainerVolumes(deps, removed, { anonymous: true })).toEqual([anon]);
    await volumes.remove('data');
    expect(volumes.list()).toEqual([]);
    await expect(volumes.remove('data')).rejects.toThrow('get data: no such volume');
    expect(() => volumes.inspect('nope')).toThrow('get nope: no such volume');
  });

  it('create is idempotent, names are checked, prune, persistence', async () => {
    const s = await setup();
    await s.volumes.create({ name: 'v1', labels: { a: 'b' } });
    await s.volumes.create({ name: 'v1' });
    await expect(s.volumes.create({ name: 'x' })).rejects.toThrow('"x" includes invalid characters for a local volume name');
    await s.volumes.create({});
    expect(s.volumes.list()).toHaveLength(2);
    const again = await VolumeStore.open(s.volumeStorage);
    expect(again.inspect('v1').Labels).toEqual({ a: 'b' });
    expect(await again.prune()).toHaveLength(1);
    expect(again.list().map((v) => v.Name)).toEqual(['v1']);
  });
});

describe('docker volume ls fields', () => {
  it('default table through the CLI formatter', async () => {
    const { formatList } = await import('../cli/output-format.ts');
    const { VOLUME_FORMAT, volumeRow } = await import('./volume-format.ts');
    const s = await setup();
    await s.volumes.create({ name: 'data' });
    await s.volumes.create({ name: 'cache', labels: { tier: 'fast' } });
    const rows = s.volumes.list().map((v) => volumeRow(v));
    expect(formatList(undefined, rows, VOLUME_FORMAT)).toBe('DRIVER    VOLUME NAME\nlocal     cache\nlocal     data\n');
    expect(formatList('{{.Name}} {{.Labels}}', rows, VOLUME_FORMAT)).toBe('cache tier=fast\ndata \n');
  });
});
