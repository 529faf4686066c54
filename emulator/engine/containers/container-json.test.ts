import { describe, expect, it } from 'vitest';
import { formatList } from '../cli/output-format.ts';
import { createContainer, type ImageForCreate } from './container-create.ts';
import { listContainers } from './container-filters.ts';
import { commandString, containerInspect, containerSummary } from './container-json.ts';
import { ContainerStore } from './container-store.ts';
import { MemoryJsonStorage } from './json-storage.ts';
import { PS_FORMAT, psRow } from '../cli/ps-format.ts';
import { createConfigFor } from '../../../test/unit/engine/run-line.ts';
import { VolumeStore } from './volume-store.ts';

const T0 = Date.UTC(2026, 10, 25, 15, 0, 0);
const BUSYBOX: ImageForCreate = {
  id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  name: 'busybox',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  lowerDirs: ['/mnt/host/layers/aa11'],
};
const PYTHON: ImageForCreate = {
  id: 'sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210',
  name: 'python:3',
  config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'], Cmd: ['python3'], WorkingDir: '/app', Labels: { maintainer: 'drydock' } },
  lowerDirs: ['/mnt/host/layers/cc33', '/mnt/host/layers/bb22'],
};

async function fixture() {
  const clock = { now: T0 };
  let n = 0;
  // deterministic IDs for the golden files: a123..., b123..., ...
  const generateId = () => `${String.fromCharCode(97 + n++)}${'0123456789abcdef'.repeat(4).slice(1)}`;
  const containers = await ContainerStore.open(new MemoryJsonStorage(), { now: () => clock.now, generateId });
  const volumes = await VolumeStore.open(new MemoryJsonStorage(), { now: () => clock.now, usedBy: (n) => containers.usingVolume(n) });
  const deps = { containers, volumes };
  const make = async (line: string, image = BUSYBOX) => {
    const record = await createContainer(deps, await createConfigFor(line), image);
    clock.now += 1000;
    return record;
  };
  return { clock, containers, make };
}

describe('Engine API JSON', () => {
  it('inspect golden file', async () => {
    const { clock, containers, make } = await fixture();
    const web = await make('-d --name web -e MODE=prod -v site:/app/site:ro --memory 64m --pids-limit 100 --cpus 0.5 --cap-drop NET_RAW --cap-add SYS_TIME --network host python:3 python3 -m http.server 8000', PYTHON);
    await containers.markStarted(web.id, 321);
    clock.now += 5000;
    await expect(`${JSON.stringify(containerInspect(web), null, 2)}\n`).toMatchFileSnapshot('testdata/json/inspect-web.json');
  });

  it('summary golden file', async () => {
    const { clock, containers, make } = await fixture();
    const c = await make('--name job busybox sh -c "echo hi"');
    await containers.markStarted(c.id, 9);
    await containers.markExited(c.id, { exitCode: 3 });
    clock.now += 2000;
    await expect(`${JSON.stringify(containerSummary(c, clock.now), null, 2)}\n`).toMatchFileSnapshot('testdata/json/summary-job.json');
  });

  it('Command quotes arguments with spaces like daemon/list.go', () => {
    const base = { Entrypoint: null, Cmd: ['sh', '-c', 'echo hi there'] };
    expect(commandString(base as never)).toBe("sh -c 'echo hi there'");
    expect(commandString({ Entrypoint: ['/hello'], Cmd: null } as never)).toBe('/hello');
  });
});

describe('docker ps: filters and formatting', () => {
  async function scene() {
    const f = await fixture();
    const web = await f.make('--name web -l app=site busybox httpd -f -v');
    const db = await f.make('--name db -v data:/data busybox');
    const job = await f.make('--name job busybox sh -c "exit 3"', PYTHON);
    const fresh = await f.make('--name fresh busybox');
    await f.containers.markStarted(web.id, 10);
    await f.containers.markStarted(db.id, 11);
    await f.containers.markPaused(db.id);
    await f.containers.markStarted(job.id, 12);
    await f.containers.markExited(job.id, { exitCode: 3 });
    f.clock.now += 4000;
    return { ...f, web, db, job, fresh };
  }
  const names = (rs: { name: string }[]) => rs.map((r) => r.name);
  const filters = (o: Record<string, string[]>) => new Map(Object.entries(o));

  it('running (and paused) only by default, newest first; -a all; -n', async () => {
    const { containers } = await scene();
    expect(names(listContainers(containers))).toEqual(['db', 'web']);
    expect(names(listContainers(containers, { all: true }))).toEqual(['fresh', 'job', 'db', 'web']);
    expect(names(listContainers(containers, { limit: 2 }))).toEqual(['fresh', 'job']);
  });

  it('status=, name=, id=, ancestor=, exited=, label=, volume=', async () => {
    const { containers, web } = await scene();
    expect(names(listContainers(containers, { filters: filters({ status: ['exited'] }) }))).toEqual(['job']);
    expect(names(listContainers(containers, { filters: filters({ status: ['created', 'paused'] }) }))).toEqual(['fresh', 'db']);
    expect(names(listContainers(containers, { all: true, filters: filters({ name: ['^/w'] }) }))).toEqual(['web']);
    expect(names(listContainers(containers, { all: true, filters: filters({ name: ['b'] }) }))).toEqual(['job', 'db', 'web']);
    expect(names(listContainers(containers, { all: true, filters: filters({ id: [web.id.slice(0, 6)] }) }))).toEqual(['web']);
    expect(names(listContainers(containers, { all: true, filters: filters({ ancestor: ['python:3'] }) }))).toEqual(['job']);
    expect(names(listContainers(containers, { all: true, filters: filters({ ancestor: ['docker.io/library/busybox:latest'] }) }))).toEqual(['fresh', 'db', 'web']);
    expect(names(listContainers(containers, { all: true, filters: filters({ ancestor: ['0123456789ab'] }) }))).toEqual(['fresh', 'db', 'web']);
    expect(names(listContainers(containers, { filters: filters({ exited: ['3'] }) }))).toEqual(['job']);
    expect(names(listContainers(containers, { filters: filters({ exited: ['0'] }) }))).toEqual([]);
    expect(names(listContainers(containers, { filters: filters({ label: ['app=site'] }) }))).toEqual(['web']);
    // labels all have to hold (MatchKVList), where other keys' values are alternatives
    expect(names(listContainers(containers, { filters: filters({ label: ['app=site', 'app'] }) }))).toEqual(['web']);
    expect(names(listContainers(containers, { filters: filters({ label: ['app=site', 'tier=db'] }) }))).toEqual([]);
    expect(names(listContainers(containers, { all: true, filters: filters({ volume: ['data'] }) }))).toEqual(['db']);
    expect(() => listContainers(containers, { filters: filters({ status: ['sleeping'] }) })).toThrow("invalid filter 'status=sleeping'");
    expect(() => listContainers(containers, { filters: filters({ colour: ['red'] }) })).toThrow("invalid filter 'colour'");
    expect(() => listContainers(containers, { filters: filters({ exited: ['x'] }) })).toThrow("invalid filter 'exited=x'");
  });

  it('default table, table TEMPLATE and bare templates (the CLI formatter)', async () => {
    const { containers, clock } = await scene();
    const rows = listContainers(containers, { all: true }).map((r) => psRow(containerSummary(r, clock.now), { trunc: true, now: clock.now }));
    await expect(formatList(undefined, rows, PS_FORMAT)).toMatchFileSnapshot('testdata/ps/default-table.txt');
    expect(formatList('{{.Names}}: {{.Status}}', rows, PS_FORMAT)).toBe(
      'fresh: Created\njob: Exited (3) 4 seconds ago\ndb: Up 4 seconds (Paused)\nweb: Up 4 seconds\n',
    );
    expect(formatList('table {{.ID}}\t{{.Image}}', rows.slice(0, 1), PS_FORMAT)).toBe('CONTAINER ID   IMAGE\nd123456789ab   busybox\n');
    expect(rows[2]?.['Command']).toBe('"sh"');
    expect(rows[3]?.['Command']).toBe('"httpd -f -v"');
    const long = psRow({ ...containerSummary(containers.get('job'), clock.now), Command: "sh -c 'echo a very long command line'" }, { trunc: true, now: clock.now });
    expect(long['Command']).toBe('"sh -c \'echo a very …"');
  });
});

describe('docker ps flags', () => {
  it('to the Engine API query', async () => {
    const { parsePsArgs } = await import('../cli/ps-format.ts');
    const r = parsePsArgs(['-aq', '--filter', 'status=exited', '-f', 'status=created', '-f', 'name=web', '--no-trunc', '-n', '3', '--format', '{{.ID}}']);
    if ('help' in r) throw new Error('help');
    expect(Object.fromEntries(r.query)).toEqual({ all: '1', limit: '3', filters: '{"status":{"exited":true,"created":true},"name":{"web":true}}' });
    expect(r).toMatchObject({ quiet: true, trunc: false, format: '{{.ID}}', size: false });
    const latest = parsePsArgs(['-l']);
    if ('help' in latest) throw new Error('help');
    expect(latest.query.get('limit')).toBe('1');
    expect(() => parsePsArgs(['-f', 'status'])).toThrow('bad format of filter (expected name=value)');
    expect(() => parsePsArgs(['--bogus'])).toThrow('unknown flag: --bogus');
    expect(() => parsePsArgs(['web'])).toThrow('"docker ps" accepts no arguments.');
  });
});
