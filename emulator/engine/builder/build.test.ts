import { gzipSync } from 'node:zlib';
import { packTar, unpackTar } from 'modern-tar';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { MemoryGuestFs } from '../overlay/guest-fs-memory.ts';
import { openImagesService, type ImagesService } from '../images/images-service.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';
import { build, BuildError, type BuilderDeps, type ContextSource } from './build.ts';
import { BuildCache } from './cache.ts';
import { PlainProgress, type BuildEvent } from './progress.ts';
import { contextFromFs } from './source-tree.ts';

const noGuest: GuestExec = {
  exec: async () => {
    throw new Error('no guest in this test');
  },
  spawn: () => {
    throw new Error('no guest in this test');
  },
  writeFile: async () => {},
};

let service: ImagesService;
let fs: MemoryGuestFs;
let deps: BuilderDeps;
const attrs = { mode: 0o644, uid: 1000, gid: 1000, mtime: new Date('2024-01-01T00:00:00Z') };

async function write(path: string, text: string | Uint8Array, mode = 0o644): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    if (!(await fs.lstat(dir))) await fs.mkdir(dir, { ...attrs, mode: 0o755 });
  }
  await fs.writeFile(path, typeof text === 'string' ? new TextEncoder().encode(text) : text, { ...attrs, mode });
}

/** The context at /ctx of the memory share, as the API would give it. */
function source(dockerfile: string): ContextSource {
  return {
    dockerfile: async () => ({ name: 'Dockerfile', text: dockerfile }),
    dockerignore: async () => ((await fs.lstat('/ctx/.dockerignore')) ? new TextDecoder().decode(await fs.readFile('/ctx/.dockerignore')) : undefined),
    load: (ignore) => contextFromFs(fs, '/ctx', ignore),
  };
}

async function run(dockerfile: string, options: Partial<Parameters<typeof build>[2]> = {}) {
  const events: BuildEvent[] = [];
  const id = await build(deps, source(dockerfile), { tags: ['app'], buildArgs: [], noCache: false, ...options }, (e) => events.push(e));
  let text = '';
  const printer = new PlainProgress((t) => (text += t));
  for (const e of events) printer.event(e);
  return { id, events, text };
}

async function layerNames(id: string, index: number): Promise<string[]> {
  const image = service.images.find(id);
  const layer = image?.layers[index];
  if (!layer) throw new Error(`no layer ${index}`);
  const entries = await unpackTar(await service.images.layerTar(layer));
  return entries.map((e) => e.header.name);
}

beforeEach(async () => {
  fs = new MemoryGuestFs();
  service = await openImagesService({ fetch: async () => new Response(null, { status: 404 }), backend: new MemoryBlobBackend(), fs });
  deps = { images: service.images, content: service.content, cache: await BuildCache.open(new MemoryJsonStorage()), fs, shareMount: '/mnt/host', guest: noGuest };
  await write('/ctx/index.js', 'console.log("hi")\n');
  await write('/ctx/package.json', '{"name":"app"}\n');
  await write('/ctx/node_modules/x/index.js', 'x');
  await write('/ctx/notes.log', 'log');
});

const APP = `FROM scratch
WORKDIR /app
COPY . .
ENV NODE_ENV=production PORT=3000
EXPOSE $PORT
LABEL org.example.team=course
USER 1000:1000
VOLUME /data
STOPSIGNAL SIGINT
CMD ["node", "index.js"]
`;

describe('docker build in TypeScript (no RUN)', () => {
  it('makes the image config and BuildKit history', async () => {
    const { id, text } = await run(APP);
    const config = await service.images.config(id);
    expect(config.config).toMatchObject({
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_ENV=production', 'PORT=3000'],
      WorkingDir: '/app',
      ExposedPorts: { '3000/tcp': {} },
      Labels: { 'org.example.team': 'course' },
      User: '1000:1000',
      Volumes: { '/data': {} },
      StopSignal: 'SIGINT',
      Cmd: ['node', 'index.js'],
    });
    expect(config.architecture).toBe('386');
    expect(config.history?.map((h) => [h.created_by, h.empty_layer ?? false])).toEqual([
      ['WORKDIR /app', false],
      ['COPY . . # buildkit', false],
      ['ENV NODE_ENV=production PORT=3000', true],
      ['EXPOSE map[3000/tcp:{}]', true],
      ['LABEL org.example.team=course', true],
      ['USER 1000:1000', true],
      ['VOLUME [/data]', true],
      ['STOPSIGNAL SIGINT', true],
      ['CMD ["node" "index.js"]', true],
    ]);
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(await layerNames(id, 1)).toEqual(expect.arrayContaining(['app/', 'app/index.js', 'app/package.json', 'app/node_modules/x/index.js']));
    expect(service.images.find('app')?.id).toBe(id);
    expect(text).toContain('#1 [internal] load build definition from Dockerfile\n');
    expect(text).toMatch(/#\d+ \[3\/3\] COPY \. \.\n#\d+ DONE \d+\.\ds\n/);
    expect(text).toContain(`writing image ${id} done`);
    expect(text).toContain('naming to docker.io/library/app:latest done');
  });

  it('leaves out what .dockerignore names; files keep mode, owner becomes root', async () => {
    await write('/ctx/.dockerignore', 'node_modules\n*.log\n');
    await write('/ctx/start.sh', '#!/bin/sh\n', 0o755);
    const { id } = await run('FROM scratch\nCOPY . /app/\n');
    const entries = await unpackTar(await service.images.layerTar(service.images.find(id)!.layers[0]!));
    const names = entries.map((e) => e.header.name);
    expect(names).not.toContain('app/node_modules/x/index.js');
    expect(names).not.toContain('app/notes.log');
    const start = entries.find((e) => e.header.name === 'app/start.sh');
    expect(start?.header.mode).toBe(0o755);
    expect(start?.header.uid).toBe(0);
  });

  it('rebuilds from cache (same image ID) and reruns from the COPY a changed file feeds', async () => {
    const first = await run(APP);
    const again = await run(APP);
    expect(again.id).toBe(first.id);
    expect(again.events.filter((e) => e.type === 'cached')).toHaveLength(2);
    await write('/ctx/index.js', 'console.log("changed")\n');
    const changed = await run(APP);
    expect(changed.id).not.toBe(first.id);
    expect(changed.text).toMatch(/WORKDIR \/app\n#\d+ CACHED/);
    expect(changed.text).toMatch(/COPY \. \.\n#\d+ DONE/);
    const nocache = await run(APP, { noCache: true });
    expect(nocache.events.some((e) => e.type === 'cached')).toBe(false);
  });

  it('builds only the stages the target needs; COPY --from another stage', async () => {
    const df = `FROM scratch AS build
COPY index.js /src/index.js
COPY package.json /src/

FROM scratch AS unused
COPY notes.log /

FROM scratch
COPY --from=build /src /app
CMD ["node", "/app/index.js"]
`;
    const { id, text } = await run(df);
    expect(text).toContain('[build 2/3] COPY index.js /src/index.js');
    expect(text).toContain('[stage-2 2/2] COPY --from=build /src /app');
    expect(text).not.toContain('unused');
    const names = await layerNames(id, 0);
    expect(names).toEqual(expect.arrayContaining(['app/index.js', 'app/package.json']));
    const target = await run(df, { target: 'unused' });
    expect(target.text).not.toContain('[build');
    await expect(run(df, { target: 'nope' })).rejects.toThrow('target stage "nope" could not be found');
  });

  it('applies ARG defaults and --build-arg, and warns about unused build args', async () => {
    const df = 'FROM scratch\nARG NAME=world\nARG DIR\nCOPY index.js /$DIR/$NAME.js\n';
    const { id, events } = await run(df, { buildArgs: [['DIR', 'srv'], ['EXTRA', '1']] });
    expect(await layerNames(id, 0)).toContain('srv/world.js');
    expect(events).toContainEqual({ type: 'warning', text: '[Warning] One or more build-args [EXTRA] were not consumed' });
  });

  it('ADD unpacks a local tar.gz; ADD of a URL is refused naming the line', async () => {
    const tgz = gzipSync(await packTar([{ header: { name: 'lib/a.txt', type: 'file', size: 1, mode: 0o600 }, body: 'a' }]));
    await write('/ctx/lib.tar.gz', tgz);
    const { id } = await run('FROM scratch\nADD lib.tar.gz /opt/\n');
    expect(await layerNames(id, 0)).toContain('opt/lib/a.txt');
    await expect(run('FROM scratch\n\nADD https://example.com/x.tgz /opt/\n')).rejects.toThrow(/Dockerfile:3: ADD of a URL needs the network/);
  });

  it('fails on a missing source like BuildKit, with the Dockerfile excerpt', async () => {
    const events: BuildEvent[] = [];
    const p = build(deps, source('FROM scratch\nCOPY missing.txt /\n'), { tags: [], buildArgs: [], noCache: false }, (e) => events.push(e));
    await expect(p).rejects.toThrow('failed to compute cache key: failed to calculate checksum of ref: "/missing.txt": not found');
    const failed = events.find((e) => e.type === 'failed');
    expect(failed).toMatchObject({ type: 'failed', vertex: '[2/2] COPY missing.txt /', excerpt: ['Dockerfile:2', '--------------------', '   1 |     FROM scratch', '   2 | >>> COPY missing.txt /', '--------------------'] });
  });

  it('builds 10,000 ENV lines (each a lookup by key, not a walk of the whole Env), the last value of a key winning in its place', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `ENV V${i}=value${i}`);
    const { id } = await run(`FROM scratch\n${lines.join('\n')}\nENV V0=again WHERE=$V9999\n`);
    const env = (await service.images.config(id)).config?.Env ?? [];
    expect(env).toHaveLength(10_002);
    expect([env[1], env.at(-2), env.at(-1)]).toEqual(['V0=again', 'V9999=value9999', 'WHERE=value9999']);
  });

  it('reports a Dockerfile syntax error with its line', async () => {
    await expect(run('FROM scratch\nFOO bar\n')).rejects.toThrow(BuildError);
    await expect(run('FROM scratch\nFOO bar\n')).rejects.toThrow(/^dockerfile parse error on line 2: unknown instruction: FOO/);
  });
});

/**
 * A guest that plays the runtime's side of RUN: `drydock-init create|delete`, the spawned container process (ended
 * by kill or `finish`), and the tar of the upper dir written into the share. `hold` parks the next call of a kind.
 */
function runtimeGuest() {
  const calls: string[] = [];
  const holds = new Map<string, () => Promise<void>>();
  let finish: ((code: number) => void) | undefined;
  const guest: GuestExec = {
    async exec(argv) {
      const what = argv[0] === '/sbin/drydock-init' ? (argv[1] as string) : 'tar';
      calls.push(what);
      await holds.get(what)?.();
      holds.delete(what);
      if (what === 'tar') {
        const path = /> '?\/mnt\/host(\/builds\/[^' ]+\.tar)/.exec(argv[2] ?? '')?.[1] as string;
        if (!(await fs.lstat('/builds'))) await fs.mkdir('/builds', { ...attrs, mode: 0o755 });
        await fs.writeFile(path, await packTar([{ header: { name: './made.txt', type: 'file', size: 1 }, body: 'x' }]), attrs);
        return { exitCode: 0, stdout: new TextEncoder().encode('o-done\n'), stderr: new Uint8Array() };
      }
      return { exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() };
    },
    spawn() {
      calls.push('spawn');
      let end!: (code: number) => void;
      const exit = new Promise<{ exitCode: number; signal?: number }>((r) => (end = (code) => r(code === 137 ? { exitCode: 137, signal: 9 } : { exitCode: code })));
      finish = end;
      return { started: Promise.resolve(42), exit, kill: (sig?: number) => { calls.push(`kill ${sig}`); end(137); } };
    },
    writeFile: async () => {},
  };
  return {
    guest,
    calls,
    finish: (code = 0) => finish?.(code),
    /** the next call of this kind waits until the returned function is called */
    hold(what: string): () => void {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      holds.set(what, () => gate);
      return release;
    },
  };
}

describe('RUN and cancelling a build (a fake guest plays the runtime)', () => {
  // an image with a /bin/sh to run: the check of args[0] happens before any guest call
  const SH = 'FROM scratch AS base\nCOPY sh /bin/sh\n';
  beforeEach(async () => {
    await write('/ctx/sh', '#!fake\n', 0o755);
  });

  it('RUN in an image without the program fails as runc does, with nothing started in the guest', async () => {
    const g = runtimeGuest();
    deps.guest = g.guest;
    const events: BuildEvent[] = [];
    const p = build(deps, source('FROM scratch\nRUN true\n'), { tags: ['sc'], buildArgs: [], noCache: false }, (e) => events.push(e));
    await expect(p).rejects.toThrow('process "/bin/sh -c true" did not complete successfully: exit code: 1');
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', text: 'runc run failed: unable to start container process: error during container init: exec: "/bin/sh": stat /bin/sh: no such file or directory\n' }));
    expect(g.calls).toEqual([]);
    expect(service.images.find('sc')).toBeUndefined();
  });

  it('a RUN that completes: create, the process, the tar of its upper dir, delete; its file is in the layer', async () => {
    const g = runtimeGuest();
    deps.guest = g.guest;
    const p = run(`${SH}RUN make\n`);
    await vi.waitFor(() => expect(g.calls).toContain('spawn'));
    g.finish(0);
    const { id } = await p;
    expect(g.calls).toEqual(['create', 'spawn', 'tar', 'delete']);
    expect(await layerNames(id, 1)).toContain('made.txt');
  });

  it('cancelled while its process runs: the process is killed, the container deleted, no later step, no image', async () => {
    const g = runtimeGuest();
    deps.guest = g.guest;
    const abort = new AbortController();
    const p = run(`${SH}RUN sleep 60\nRUN touch /later\n`, { signal: abort.signal });
    await vi.waitFor(() => expect(g.calls).toContain('spawn'));
    abort.abort();
    await expect(p).rejects.toThrow('the build was cancelled');
    expect(g.calls).toEqual(['create', 'spawn', 'kill 9', 'delete']);
    expect(service.images.find('app')).toBeUndefined();
  });

  it('cancelled while its container is being made: nothing is started, the container is deleted', async () => {
    const g = runtimeGuest();
    deps.guest = g.guest;
    const release = g.hold('create');
    const abort = new AbortController();
    const p = run(`${SH}RUN sleep 60\n`, { signal: abort.signal });
    await vi.waitFor(() => expect(g.calls).toContain('create'));
    abort.abort();
    release();
    await expect(p).rejects.toThrow('the build was cancelled');
    expect(g.calls).toEqual(['create', 'delete']);
  });

  it('cancelled while the guest tars the last step: the tar is removed, the container deleted, nothing tagged', async () => {
    const g = runtimeGuest();
    deps.guest = g.guest;
    const release = g.hold('tar');
    const abort = new AbortController();
    const p = run(`${SH}RUN make\n`, { signal: abort.signal });
    await vi.waitFor(() => expect(g.calls).toContain('spawn'));
    g.finish(0);
    await vi.waitFor(() => expect(g.calls).toContain('tar'));
    abort.abort();
    release();
    await expect(p).rejects.toThrow('the build was cancelled');
    expect(g.calls).toEqual(['create', 'spawn', 'tar', 'delete']);
    expect(await fs.readdir('/builds')).toEqual([]);
    expect(service.images.find('app')).toBeUndefined();
  });

  it('cancelled after its last step: no image is recorded or tagged', async () => {
    const abort = new AbortController();
    const events: BuildEvent[] = [];
    const p = build(deps, source('FROM scratch\nCOPY index.js /\n'), { tags: ['app'], buildArgs: [], noCache: false, signal: abort.signal }, (e) => {
      events.push(e);
      if (e.type === 'done' && events.some((x) => x.type === 'vertex' && x.n === e.n && x.name.includes('COPY'))) abort.abort();
    });
    await expect(p).rejects.toThrow('the build was cancelled');
    expect(service.images.find('app')).toBeUndefined();
    expect(service.images.db.all()).toEqual([]);
  });
});
