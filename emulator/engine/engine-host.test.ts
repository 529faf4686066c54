// engine-host.ts composes a working engine: docker CLI -> Engine API -> images service, the static registry as
// Docker Hub, localhost:5000 in-process, layers into whichever guest file system runs now.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStaticFiles } from '../node-backends/static-files.ts';
import { MemorySession } from './cli/memory-session.ts';
import { CREDENTIALS_DOCUMENT } from './api/auth-store.ts';
import { openEngineHost, probeGuestFacts, RUNTIME_DOCUMENT, staticRegistries } from './engine-host.ts';
import type { GuestFs } from './overlay/guest-fs.ts';
import { MemoryGuestFs } from './overlay/guest-fs-memory.ts';
import { MemoryBlobBackend } from './store/store-backend-memory.ts';
import { shortRunGuest } from '../../test/unit/engine/short-run-guest.ts';

const PUBLIC = resolve(import.meta.dirname, '../../public');
const built = existsSync(resolve(PUBLIC, 'registry/v2/busybox'));

describe.skipIf(!built)('openEngineHost', () => {
  let server: Awaited<ReturnType<typeof serveStaticFiles>>;
  beforeAll(async () => void (server = await serveStaticFiles(PUBLIC)));
  afterAll(async () => server?.close());

  it('staticRegistries maps docker.io to the shipped registry without the library/ prefix', () => {
    const [endpoint] = Object.values(staticRegistries('http://app.test/base/registry/'));
    expect(endpoint?.baseUrl).toBe('http://app.test/base/registry');
    expect(endpoint?.repositoryPath?.('library/busybox')).toBe('busybox');
  });

  // ~1.5 s of CPU alone; the unit project runs a worker per core, so 5 s is too tight on a shared 2-core machine
  it('runs docker pull, login, push to localhost:5000 and unpacks into the current guest', { timeout: 20_000 }, async () => {
    let guest: GuestFs | undefined = new MemoryGuestFs();
    const host = await openEngineHost({
      fetch,
      store: new MemoryBlobBackend(),
      registryStore: new MemoryBlobBackend(),
      guestFs: () => guest,
      registries: staticRegistries(`${server.url}/registry/`),
      system: { kernelVersion: '6.6.0', operatingSystem: 'test', name: 'guest', ncpu: 1, memTotal: 1 },
    });
    const docker = async (...argv: string[]) => {
      const session = new MemorySession(argv);
      await host.cli(session);
      return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
    };
    expect((await docker('pull', 'busybox')).out).toMatch(/Status: Downloaded newer image for busybox:latest\n/);
    expect((await docker('login', '-u', 'me', '-p', 'pw', 'localhost:5000')).out).toContain('Login Succeeded');
    expect((await docker('tag', 'busybox', 'localhost:5000/me/bb')).status).toBe(0);
    const push = await docker('push', 'localhost:5000/me/bb');
    expect(push.status, push.err).toBe(0);
    expect(host.registry?.db).toBeDefined();
    expect((await docker('info', '--format', '{{.KernelVersion}}')).out).toBe('6.6.0\n');

    // a restart: a new, empty share; layers go there on the next unpack
    const fresh = new MemoryGuestFs();
    guest = fresh;
    const [dir] = await host.service.images.ensureUnpacked('busybox');
    expect(await fresh.lstat(`${dir}/bin/busybox`)).toMatchObject({ kind: 'file' });
    guest = undefined;
    // between boots: a clear error, not a write into the old guest's share
    await expect(host.service.images.ensureUnpacked('localhost:5000/me/bb')).rejects.toThrow(/the machine is not running/);
  });

  it("a checkpoint's documents hold the logins; the runtime's part goes to the next host once", { timeout: 30_000 }, async () => {
    const store = new MemoryBlobBackend();
    const first = await openEngineHost({ fetch, store, registryStore: new MemoryBlobBackend() });
    const login = new MemorySession(['login', '-u', 'me', '-p', 'pw', 'localhost:5000']);
    await first.cli(login);
    expect(await login.exited, login.stderrText).toBe(0);
    const documents = await first.readDocuments();
    expect(JSON.parse(documents[CREDENTIALS_DOCUMENT] ?? '{}')).toEqual({ credentials: { 'localhost:5000': { username: 'me', password: 'pw' } } });
    expect(documents[RUNTIME_DOCUMENT]).toBe('{}'); // no guest: nothing runs
    first.dispose();
    // a disposed host saves nothing more: its late reactions cannot land over the next host's documents
    await first.credentials.delete('localhost:5000');
    await first.writeDocuments(documents);
    const next = await openEngineHost({ fetch, store });
    expect(next.credentials.get('localhost:5000')).toEqual({ username: 'me', password: 'pw' });
    // the runtime document is taken by the host that opens on it, once
    expect(await store.get(RUNTIME_DOCUMENT)).toBeUndefined();
    next.dispose();
  });

  it("a docker run typed right after a restart that follows a checkpoint restore prints its short container's output", { timeout: 30_000 }, async () => {
    const store = new MemoryBlobBackend();
    const options = { fetch, store, registries: staticRegistries(`${server.url}/registry/`), system: { kernelVersion: '6.6.0', operatingSystem: 'test', name: 'guest', ncpu: 1, memTotal: 1 } };
    // "Reset lesson": a checkpoint's documents (nothing ran) written for the host that opens next
    const before = await openEngineHost(options);
    const documents = await before.readDocuments();
    before.dispose();
    await before.writeDocuments(documents);
    let guest = shortRunGuest('restored\n');
    let share = new MemoryGuestFs();
    const host = await openEngineHost({ ...options, guest: () => guest, guestFs: () => share });
    const docker = async (...argv: string[]) => {
      const session = new MemorySession(argv);
      await host.cli(session);
      return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
    };
    try {
      expect((await docker('pull', '-q', 'busybox')).status).toBe(0);
      // the lesson's check, a request that takes the restored guest over
      expect((await docker('ps', '-q')).out).toBe('');
      // the machine restarts; the engine has not looked at the new guest yet when the learner's `docker run` comes, and
      // that run's start is what notices it: the attach the CLI made before the start must still get the output
      guest = shortRunGuest('hi\n');
      share = new MemoryGuestFs();
      expect(await docker('run', '--rm', 'busybox', 'echo', 'hi')).toEqual({ status: 0, out: 'hi\n', err: '' });
    } finally {
      host.dispose();
    }
  });

  it('probeGuestFacts reads uname and /proc, with defaults for what is missing', async () => {
    const out = (s: string) => async () => ({ exitCode: 0, stdout: new TextEncoder().encode(s) });
    expect(await probeGuestFacts({ exec: out('6.6.1\nbox\nMemTotal:  1000 kB\n2\n') })).toMatchObject({ kernelVersion: '6.6.1', name: 'box', memTotal: 1_024_000, ncpu: 2 });
    expect(await probeGuestFacts({ exec: async () => ({ exitCode: 1, stdout: new Uint8Array() }) })).toMatchObject({ name: 'drydock' });
  });
});
