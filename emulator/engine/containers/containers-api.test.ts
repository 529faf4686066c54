import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.ts';
import type { ImageForCreate } from './container-create.ts';
import { ContainerStore } from './container-store.ts';
import { createContainersApi } from './containers-api.ts';
import { MemoryJsonStorage } from './json-storage.ts';
import { LogStore } from './log-store.ts';
import { createRequestFor } from '../../../test/unit/engine/run-line.ts';
import { VolumeStore } from './volume-store.ts';

const BUSYBOX: ImageForCreate = {
  id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  name: 'busybox',
  config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
  lowerDirs: ['/mnt/host/layers/aa11'],
};

async function setup(options: { kill?: boolean } = {}) {
  const containers = await ContainerStore.open(new MemoryJsonStorage());
  const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: (n) => containers.usingVolume(n) });
  const logs = new LogStore();
  const killed: string[] = [];
  const api = createContainersApi({
    containers,
    volumes,
    logs,
    image: async (ref) => {
      if (ref !== 'busybox') throw new EngineError('NOT_FOUND', `No such image: ${ref}:latest`);
      return BUSYBOX;
    },
    ...(options.kill
      ? {
          kill: async (r) => {
            killed.push(r.id);
            await containers.markExited(r.id, { exitCode: 137 });
          },
        }
      : {}),
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(new Request(`http://docker${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) }));
    if (!res) throw new Error(`not routed: ${method} ${path}`);
    return res;
  };
  const run = async (line: string) => {
    const { body, name } = await createRequestFor(line);
    const res = await call('POST', `/v1.43/containers/create${name ? `?name=${name}` : ''}`, body);
    return (await res.json()) as { Id: string };
  };
  return { containers, volumes, logs, api, call, run, killed };
}

describe('containers API', () => {
  it('create, list, inspect, rename, rm', async () => {
    const s = await setup();
    const res = await s.call('POST', '/containers/create?name=web', { Image: 'busybox', Cmd: ['httpd', '-f'] });
    expect(res.status).toBe(201);
    const { Id } = (await res.json()) as { Id: string };
    expect(Id).toMatch(/^[0-9a-f]{64}$/);
    expect(await (await s.call('GET', '/containers/json')).json()).toEqual([]);
    const all = (await (await s.call('GET', '/containers/json?all=1')).json()) as { Names: string[]; Command: string; Status: string }[];
    expect(all.map((c) => [c.Names, c.Command, c.Status])).toEqual([[['/web'], 'httpd -f', 'Created']]);
    const inspect = (await (await s.call('GET', `/containers/${Id.slice(0, 6)}/json`)).json()) as { Name: string; Config: { Cmd: string[] } };
    expect(inspect.Name).toBe('/web');
    expect((await s.call('POST', '/containers/web/rename?name=site')).status).toBe(204);
    expect((await s.call('DELETE', '/containers/site')).status).toBe(204);
    expect(s.containers.list()).toEqual([]);
  });

  it('name conflict is a 409 before the image is looked up; a missing image creates nothing', async () => {
    const s = await setup();
    await s.run('--name web busybox');
    await expect(s.run('--name web nothere')).rejects.toThrow('Conflict. The container name "/web" is already in use');
    await expect(s.run('-v data:/data nothere')).rejects.toThrow('No such image: nothere:latest');
    expect(s.containers.list()).toHaveLength(1);
    expect(s.volumes.list()).toEqual([]);
  });

  it('rm of a running container: refused without force, killed with force; -v removes anonymous volumes', async () => {
    const s = await setup({ kill: true });
    const { Id } = await s.run('-v /anon busybox');
    await s.containers.markStarted(Id, 5);
    await expect(s.call('DELETE', `/containers/${Id}`)).rejects.toThrow(`You cannot remove a running container ${Id}`);
    expect((await s.call('DELETE', `/containers/${Id}?force=1&v=1`)).status).toBe(204);
    expect(s.killed).toEqual([Id]);
    expect(s.volumes.list()).toEqual([]);
  });

  it('filters, prune, wait', async () => {
    const s = await setup();
    const a = await s.run('--name a1 busybox');
    const b = await s.run('--name b1 busybox');
    await s.containers.markStarted(b.Id, 3);
    const filtered = (await (await s.call('GET', `/containers/json?filters=${encodeURIComponent('{"status":{"created":true}}')}`)).json()) as { Id: string }[];
    expect(filtered.map((c) => c.Id)).toEqual([a.Id]);
    const c = await s.run('--name c1 busybox');
    await s.containers.markStarted(c.Id, 4);
    await s.containers.setHealth(c.Id, { status: 'healthy', failingStreak: 0, log: [] });
    const byHealth = async (value: string) => ((await (await s.call('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ health: { [value]: true } }))}`)).json()) as { Id: string }[]).map((x) => x.Id);
    expect(await byHealth('healthy')).toEqual([c.Id]);
    expect(await byHealth('none')).toEqual([b.Id]);
    expect(await byHealth('unhealthy')).toEqual([]);
    await expect(byHealth('sick')).rejects.toThrow("invalid filter 'health=sick': invalid value for health (sick): must be one of none, starting, healthy, unhealthy");
    await s.containers.markExited(c.Id, { exitCode: 0 });
    const waiting = s.call('POST', `/containers/${b.Id}/wait`);
    await s.containers.markExited(b.Id, { exitCode: 4 });
    expect(await (await waiting).json()).toEqual({ StatusCode: 4 });
    expect(await (await s.call('POST', '/containers/prune')).json()).toEqual({ ContainersDeleted: [c.Id, b.Id, a.Id], SpaceReclaimed: 0 });
  });

  it('logs: multiplexed without a tty, raw with one, follow until exit', async () => {
    const s = await setup();
    const { Id } = await s.run('busybox');
    s.logs.append(Id, 'stdout', 'one\n');
    s.logs.append(Id, 'stderr', 'two\n');
    const res = await s.call('GET', `/containers/${Id}/logs?stdout=1&stderr=1&tail=1`);
    expect(res.headers.get('Content-Type')).toBe('application/vnd.docker.multiplexed-stream');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([2, 0, 0, 0, 0, 0, 0, 4, ...new TextEncoder().encode('two\n')]);

    const t = await s.run('-t busybox');
    await s.containers.markStarted(t.Id, 9);
    s.logs.append(t.Id, 'stdout', 'before\n');
    const follow = await s.call('GET', `/containers/${t.Id}/logs?stdout=1&follow=1`);
    const text = follow.text();
    s.logs.append(t.Id, 'stdout', 'after\n');
    s.logs.close(t.Id);
    expect(await text).toBe('before\nafter\n');
  });

  it('volumes', async () => {
    const s = await setup();
    expect((await s.call('POST', '/volumes/create', { Name: 'data', Labels: { a: 'b' } })).status).toBe(201);
    const list = (await (await s.call('GET', '/volumes')).json()) as { Volumes: { Name: string }[] };
    expect(list.Volumes.map((v) => v.Name)).toEqual(['data']);
    expect(((await (await s.call('GET', '/volumes/data')).json()) as { Mountpoint: string }).Mountpoint).toBe('/var/lib/drydock/volumes/data/_data');
    const { Id } = await s.run('-v data:/data busybox');
    await expect(s.call('DELETE', '/volumes/data')).rejects.toThrow(`remove data: volume is in use - [${Id}]`);
    await expect(s.call('POST', '/volumes/create', { Name: 'x2', Driver: 'nfs' })).rejects.toThrow('plugin "nfs" not found');
    expect(await (await s.call('POST', '/volumes/prune', undefined)).json()).toEqual({ VolumesDeleted: null, SpaceReclaimed: 0 });
    await expect(s.call('GET', '/volumes/nope')).rejects.toThrow('get nope: no such volume');
  });

  it('leaves process routes to the router', async () => {
    const s = await setup();
    expect(await s.api(new Request('http://docker/containers/x/start', { method: 'POST' }))).toBeUndefined();
    expect(await s.api(new Request('http://docker/images/json'))).toBeUndefined();
  });
});
