// The stock docker CLI on this machine against `npm run engine:serve`: the Engine API router on a unix
// socket, a real guest, the static registry from public/registry. Proves compatibility with a real client.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../emulator/engine/api/auth-store.ts';
import { createEngineApi } from '../../emulator/engine/api/engine-api.ts';
import { dockerCli } from '../../emulator/engine/cli/docker-cli.ts';
import { guestFsFromShare } from '../../emulator/engine/guest-fs-share.ts';
import { openImagesService } from '../../emulator/engine/images-service.ts';
import { withoutLibraryPrefix } from '../../emulator/engine/registry-client.ts';
import { MemoryBlobBackend } from '../../emulator/engine/store-backend-memory.ts';
import { serveStaticFiles } from '../../emulator/node-backends/static-files.ts';
import { ShimSessions } from '../../emulator/vm/channel/shim-sessions.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { restoreGuest } from './guest.ts';
import { MemorySession } from '../../emulator/engine/cli/memory-session.ts';
import { unixSocketApi } from '../../emulator/node-backends/unix-socket-api.ts';

const DOCKER = '/usr/local/bin/docker';
const ROOT = resolve(import.meta.dirname, '../..');
const built = existsSync(resolve(ROOT, 'public/registry/v2/busybox')) || existsSync(resolve(ROOT, 'public/registry/v2/library/busybox'));
const run = promisify(execFile);

describe.skipIf(!existsSync(DOCKER) || !built)(`stock docker CLI (${DOCKER}) against engine:serve`, () => {
  let dir: string;
  let socket: string;
  let server: ChildProcess;
  let log = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-serve-'));
    socket = join(dir, 'engine.sock');
    server = spawn(process.execPath, ['--import', 'tsx', 'emulator/node-backends/engine-serve.ts', '--socket', socket, '--store', join(dir, 'store'), '--verbose'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await new Promise<void>((ok, fail) => {
      let out = '';
      server.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes(`listening on ${socket}`)) ok();
      });
      server.once('exit', (code) => fail(new Error(`engine:serve exited with ${code}\n${log}`)));
    });
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((ok) => server.once('exit', ok));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const docker = async (...args: string[]) => {
    try {
      const r = await run(DOCKER, args, { env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config') }, timeout: 120_000 });
      return { status: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { status: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
    }
  };

  it('docker version negotiates API 1.43 and shows the drydock engine', async () => {
    const r = await docker('version');
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/API version:\s+1\.43 \(downgraded from 1\.\d+\)/);
    expect(r.out).toMatch(/Server: drydock\n Engine:\n  Version:\s+0\.1\.0\n  API version:\s+1\.43 \(minimum version 1\.24\)/);
    expect(r.out).toMatch(/OS\/Arch:\s+linux\/386/);
    expect(log).toMatch(/HEAD \/_ping -> 200|GET \/_ping -> 200/);
  });

  it('images is empty, pull busybox prints Docker progress, then images lists it', async () => {
    const empty = await docker('images');
    expect(empty.out).toBe('REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
    const pull = await docker('pull', 'busybox');
    expect(pull.status, pull.err).toBe(0);
    expect(pull.out).toMatch(/^Using default tag: latest\nlatest: Pulling from library\/busybox\n[0-9a-f]{12}: Pulling fs layer\n/);
    expect(pull.out).toMatch(/[0-9a-f]{12}: Pull complete\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
    const images = await docker('images');
    expect(images.out).toMatch(/^REPOSITORY   TAG       IMAGE ID       CREATED\s+SIZE\nbusybox      latest    [0-9a-f]{12}   .+ ago\s+\d+(\.\d+)?[kM]B\n$/);
    const filtered = await docker('images', 'busybox', '--format', '{{.Repository}}:{{.Tag}}');
    expect(filtered.out).toBe('busybox:latest\n');
  });

  it('image inspect and history of busybox', async () => {
    const inspect = await docker('image', 'inspect', 'busybox');
    expect(inspect.status, inspect.err).toBe(0);
    const [image] = JSON.parse(inspect.out) as { Id: string; RepoTags: string[]; Architecture: string; Os: string; RootFS: { Layers: string[] } }[];
    expect(image?.RepoTags).toEqual(['busybox:latest']);
    expect(image).toMatchObject({ Architecture: '386', Os: 'linux' });
    expect(image?.RootFS.Layers.length).toBeGreaterThan(0);
    const format = await docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}} {{json .RepoTags}}', 'busybox');
    expect(format.out).toBe('linux/386 ["busybox:latest"]\n');
    const history = await docker('history', 'busybox');
    const lines = history.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(new RegExp(`^${image?.Id.slice(7, 19)}   `));
    expect(lines.slice(2).every((l) => l.startsWith('<missing>'))).toBe(true);
  });

  it('tag and rmi: Untagged lines like Docker, errors as "Error response from daemon"', async () => {
    expect((await docker('tag', 'busybox', 'me/bb:1')).status).toBe(0);
    expect((await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).out.split('\n').sort()).toEqual(['', 'busybox:latest', 'me/bb:1']);
    const rmi = await docker('rmi', 'me/bb:1');
    expect(rmi).toMatchObject({ status: 0, out: 'Untagged: me/bb:1\n' });
    const missing = await docker('rmi', 'me/bb:1');
    expect(missing.status).toBe(1);
    expect(missing.err).toBe('Error response from daemon: No such image: me/bb:1\n');
    const nope = await docker('pull', 'nosuchimage');
    expect(nope.status).toBe(1);
    expect(nope.err).toMatch(/^Error response from daemon: /);
  });

  it("drydock's own CLI prints what the stock CLI prints, against the same engine", async () => {
    const drydock = async (...args: string[]) => {
      const session = new MemorySession(args);
      await dockerCli({ api: unixSocketApi(socket) })(session);
      return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
    };
    await docker('tag', 'busybox', 'me/bb:2');
    const same: string[][] = [
      ['images'],
      ['images', '--digests'],
      ['images', '-q', '--no-trunc'],
      ['images', '--format', 'json'],
      ['images', 'b*', '--format', 'table {{.ID}}\\t{{.Repository}}'],
      ['history', 'busybox'],
      ['history', '--no-trunc', '-H=false', 'busybox'],
      ['history', '--format', 'json', 'busybox'],
      ['image', 'inspect', 'busybox'],
      ['inspect', '--format', '{{json .Config}} {{.Config.Labels}} {{.Size}}', 'busybox'],
      ['inspect', 'nope'],
      ['system', 'df'],
      ['pull', 'busybox'],
      ['pull', 'nosuchimage'],
      ['rmi', 'nope', 'me/bb:2'],
      ['image', 'ls', '--bogus'],
      ['tag', 'busybox'],
    ];
    for (const args of same) {
      // rmi changes the engine: each client gets the same starting point
      const theirs = await docker(...args);
      if (args[0] === 'rmi') await docker('tag', 'busybox', 'me/bb:2');
      const ours = await drydock(...args);
      // docker walks an image's repositories in Go map order (random): rows of one image may come in any order
      const rows = (out: string) => (args[0] === 'images' ? out.split('\n').sort().join('\n') : out);
      expect({ args, ...ours, out: rows(ours.out) }).toEqual({ args, status: theirs.status, out: rows(theirs.out), err: theirs.err });
    }
  });

  it('push to the in-browser registry (localhost:5000), rmi, pull back the same digest', async () => {
    expect((await docker('tag', 'busybox', 'localhost:5000/me/bb:1')).status).toBe(0);
    const push = await docker('push', 'localhost:5000/me/bb:1');
    expect(push.status, push.err).toBe(0);
    expect(push.out).toMatch(/^The push refers to repository \[localhost:5000\/me\/bb\]\n/);
    const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+\n$/.exec(push.out)?.[1];
    expect(digest).toBeDefined();
    // moby's ImageDelete: the repository's last tag gone, its digest reference (recorded by the push) goes too
    expect((await docker('rmi', 'localhost:5000/me/bb:1')).out).toBe(`Untagged: localhost:5000/me/bb:1\nUntagged: localhost:5000/me/bb@${digest}\n`);
    const pull = await docker('pull', 'localhost:5000/me/bb:1');
    expect(pull.out).toContain(`Digest: ${digest}\n`);
    expect((await docker('rmi', 'localhost:5000/me/bb:1')).status).toBe(0);
  });

  it('system df and info answer', async () => {
    const df = await docker('system', 'df');
    expect(df.out).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+0\s+/);
    const info = await docker('info', '--format', '{{.OSType}} {{.Architecture}} {{.Images}}');
    expect(info.out).toBe('linux i686 1\n');
  });
});

describe.skipIf(!built)('docker typed in the guest (the shim) runs the CLI against the engine', () => {
  let machine: Machine;
  let registry: Awaited<ReturnType<typeof serveStaticFiles>>;
  let shims: ShimSessions;

  beforeAll(async () => {
    registry = await serveStaticFiles(resolve(ROOT, 'public'));
    machine = await restoreGuest();
    const credentials = new CredentialStore();
    const flat = !existsSync(resolve(ROOT, 'public/registry/v2/library'));
    const base = `${registry.url}/registry`;
    const service = await openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': flat ? { baseUrl: base, repositoryPath: withoutLibraryPrefix } : base },
      credentials: credentials.lookup,
      fs: guestFsFromShare(machine.share),
    });
    shims = new ShimSessions(machine.agent, dockerCli({ api: createEngineApi({ service, credentials, fetch }) }));
  });
  afterAll(async () => {
    shims?.dispose();
    await machine?.destroy();
    await registry?.close();
  });

  const guest = async (script: string) => {
    const r = await machine.agent.exec(['sh', '-c', script], { timeoutMs: 60_000 });
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { status: r.exitCode, out: text(r.stdout), err: text(r.stderr) };
  };

  it('pull, images, history, rmi and errors, with exit statuses', async () => {
    const pull = await guest('docker pull busybox');
    expect(pull.status, pull.err).toBe(0);
    expect(pull.out).toMatch(/Status: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
    const images = await guest('docker images');
    expect(images.out).toMatch(/^REPOSITORY   TAG       IMAGE ID       CREATED\s+SIZE\nbusybox      latest    [0-9a-f]{12}   /);
    expect((await guest('docker history -q busybox')).out).toMatch(/^[0-9a-f]{12}\n<missing>\n$/);
    expect(await guest('docker rmi nope')).toMatchObject({ status: 1, err: 'Error response from daemon: No such image: nope\n' });
    expect(await guest('docker save busybox')).toMatchObject({ status: 1, err: expect.stringMatching(/^docker: 'save' is not implemented in drydock yet/) });
    expect(await guest('docker pull --x busybox')).toMatchObject({ status: 125 });
    // the layers were unpacked into the 9p share the guest sees
    const [layer] = (await guest('ls /mnt/host/layers')).out.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
    expect((await guest(`test -x /mnt/host/layers/${layer}/bin/busybox && echo ok`)).out).toBe('ok\n');
  });
});
