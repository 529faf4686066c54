// docker push through the in-browser registry: images of public/registry pulled into a memory store, pushed
// to localhost:5000 (in-process), removed, and pulled back. Skipped until public/registry is built.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { serveStaticFiles } from '../../node-backends/static-files.ts';
import { bytesStream } from '../store/blob-backend.ts';
import { sha256Digest } from '../oci/digest.ts';
import { openImagesService, type ImagesService, registryHost } from '../images/images-service.ts';
import type { PushProgressMessage } from './push.ts';
import { parseDockerRef } from './reference.ts';
import { withoutLibraryPrefix } from './registry-client.ts';
import { RegistryServer } from './server/registry-server.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';

const PUBLIC = resolve(import.meta.dirname, '../../../public');
const built = existsSync(resolve(PUBLIC, 'registry/v2/busybox')) && existsSync(resolve(PUBLIC, 'registry/v2/debian'));

describe.skipIf(!built)('docker push to the in-browser registry at localhost:5000', () => {
  let server: Awaited<ReturnType<typeof serveStaticFiles>>;
  let registryBackend: MemoryBlobBackend;
  let registry: RegistryServer;
  /** method + path of every request the registry saw */
  let seen: string[];

  beforeAll(async () => {
    server = await serveStaticFiles(PUBLIC);
  });
  afterAll(() => server?.close());
  beforeEach(async () => {
    registryBackend = new MemoryBlobBackend();
    registry = await RegistryServer.open({ backend: registryBackend });
    seen = [];
  });

  /**
   * An engine with its own store, talking to the static registry (docker.io) and to `registry` (localhost:5000),
   * logged in there as `tester` (pushing needs a login) unless anonymous.
   */
  async function engine(options: { anonymous?: boolean } = {}): Promise<ImagesService> {
    const service = await openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': { baseUrl: `${server.url}/registry`, repositoryPath: withoutLibraryPrefix } },
      localRegistry: {
        host: 'localhost:5000',
        handle: (request) => {
          seen.push(`${request.method} ${new URL(request.url).pathname}`);
          return registry.handle(request);
        },
      },
    });
    if (!options.anonymous) await service.registryLogin('localhost:5000', 'tester', 'pw');
    return service;
  }

  const lines = (messages: PushProgressMessage[]) => messages.filter((m) => m.status).map((m) => (m.id ? `${m.id}: ${m.status}` : m.status));

  it('pushes busybox, and after rmi pulls it back with the same manifest digest and image ID', { timeout: 60_000 }, async () => {
    const e = await engine();
    await e.images.pull('busybox');
    const original = e.images.find('busybox');
    await e.images.tag('busybox', 'localhost:5000/me/bb:1');
    const messages: PushProgressMessage[] = [];
    const started = performance.now();
    const result = await e.push('localhost:5000/me/bb:1', { onProgress: (m) => messages.push(m) });
    const ms = performance.now() - started;
    expect(result.digest).toBe(original?.manifestDigest);
    const layerIds = original?.layers.map((l) => l.diffId.slice(7, 19)).reverse() ?? [];
    expect(lines(messages)).toEqual([
      'The push refers to repository [localhost:5000/me/bb]',
      ...layerIds.map((id) => `${id}: Preparing`),
      ...lines(messages).filter((l) => l.endsWith(': Pushing')),
      ...layerIds.map((id) => `${id}: Pushed`),
      `1: digest: ${result.digest} size: ${result.size}`,
    ]);
    // Docker records the pushed digest on the local image.
    expect(e.images.find('busybox')?.repoDigests).toContain(`localhost:5000/me/bb@${result.digest}`);
    console.log(`busybox: pushed in ${ms.toFixed(0)} ms, ${seen.length} registry requests`);

    await e.images.remove('busybox');
    await e.images.remove('localhost:5000/me/bb:1');
    expect(e.images.find(original?.id as string)).toBeUndefined();
    const pulled = await e.images.pull('localhost:5000/me/bb:1');
    expect(pulled).toMatchObject({ id: original?.id, repoDigest: original?.manifestDigest, status: 'downloaded' });
    expect(e.images.find('localhost:5000/me/bb:1')?.manifestDigest).toBe(original?.manifestDigest);
  });

  it('pushes debian in chunks (PATCH with Content-Range), then a second push finds every layer there', { timeout: 120_000 }, async () => {
    const e = await engine();
    await e.images.pull('debian');
    await e.images.tag('debian', 'localhost:5000/me/debian');
    const image = e.images.find('debian');
    const total = image?.layers.reduce((n, l) => n + l.size, 0) ?? 0;
    const started = performance.now();
    const result = await e.push('localhost:5000/me/debian', { chunkSize: 1 << 20, monolithicLimit: 64 * 1024 });
    const ms = performance.now() - started;
    const patches = seen.filter((s) => s.startsWith('PATCH')).length;
    expect(patches).toBeGreaterThanOrEqual(Math.floor(total / (1 << 20)));
    console.log(`debian: ${image?.layers.length} layers, ${total} bytes pushed in ${ms.toFixed(0)} ms with ${patches} PATCH chunks of 1 MiB`);
    expect(result.tag).toBe('latest');

    const again: PushProgressMessage[] = [];
    seen = [];
    await e.push('localhost:5000/me/debian', { onProgress: (m) => again.push(m) });
    expect(lines(again).filter((l) => l.endsWith('Layer already exists'))).toHaveLength(image?.layers.length ?? -1);
    expect(seen.filter((s) => s.startsWith('PATCH') || s.startsWith('POST'))).toEqual([]);

    // A fresh engine pulls it: same image ID.
    const other = await engine();
    const pulled = await other.images.pull('localhost:5000/me/debian');
    expect(pulled.id).toBe(image?.id);
    expect(pulled.repoDigest).toBe(image?.manifestDigest);
  });

  it('mounts layers from another repository of the same registry instead of uploading them', async () => {
    const e = await engine();
    await e.images.pull('busybox');
    await e.images.tag('busybox', 'localhost:5000/me/bb');
    await e.push('localhost:5000/me/bb');
    await e.images.tag('busybox', 'localhost:5000/team/bb');
    const messages: PushProgressMessage[] = [];
    seen = [];
    await e.push('localhost:5000/team/bb', { onProgress: (m) => messages.push(m) });
    expect(lines(messages).filter((l) => l.includes('Mounted from me/bb')).length).toBe(e.images.find('busybox')?.layers.length);
    expect(seen.filter((s) => s.startsWith('PATCH'))).toEqual([]);
  });

  it('refuses a blob whose bytes do not match its digest, storing nothing', async () => {
    const e = await engine();
    const ref = parseDockerRef('localhost:5000/me/bad');
    const claimed = sha256Digest(new TextEncoder().encode('what the manifest says'));
    const before = await registryBackend.list('blobs/');
    for (const monolithicLimit of [1024, 0]) {
      await expect(
        e.registry.uploadBlob(ref, { digest: claimed, size: 9 }, bytesStream(new TextEncoder().encode('tampered!')), { monolithicLimit, chunkSize: 4 }),
      ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: 'digest invalid: provided digest did not match uploaded content' });
    }
    expect(await registryBackend.list('blobs/')).toEqual(before);
    expect(await registryBackend.list('uploads/')).toEqual([]);
  });

  it('drops the upload session when a chunked push is cancelled half-way', async () => {
    const e = await engine();
    await e.images.pull('debian');
    await e.images.tag('debian', 'localhost:5000/me/cancelled');
    const abort = new AbortController();
    let patches = 0;
    const pushing = e.push('localhost:5000/me/cancelled', {
      chunkSize: 256 * 1024,
      monolithicLimit: 0,
      signal: abort.signal,
      onProgress: (m) => {
        if (m.status === 'Pushing' && ++patches === 3) abort.abort();
      },
    });
    await expect(pushing).rejects.toMatchObject({ code: 'ABORTED' });
    // The other layers' requests in flight settle on their own: poll, do not sleep.
    await vi.waitFor(async () => expect(await registryBackend.list('uploads/')).toEqual([]));
    expect(await (await registry.handle(new Request('http://localhost:5000/v2/me/cancelled/tags/list'))).json()).toMatchObject({ errors: [{ code: 'NAME_UNKNOWN' }] });
  });

  it('makes localhost:5000/alice/... private once alice logged in: refused without credentials, allowed with them', { timeout: 60_000 }, async () => {
    const alice = await engine();
    await expect(alice.registryLogin('localhost:5000', 'alice', 's3cret')).resolves.toEqual({ Status: 'Login Succeeded', IdentityToken: '' });
    await alice.images.pull('busybox');
    await alice.images.tag('busybox', 'localhost:5000/alice/bb');
    await alice.push('localhost:5000/alice/bb');

    const anonymous = await engine({ anonymous: true });
    await expect(anonymous.images.pull('localhost:5000/alice/bb')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: "pull access denied for localhost:5000/alice/bb, repository does not exist or may require 'docker login': unauthorized: authentication required",
    });
    await anonymous.images.pull('busybox');
    await anonymous.images.tag('busybox', 'localhost:5000/alice/bb');
    await expect(anonymous.push('localhost:5000/alice/bb')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'unauthorized: authentication required' });

    await expect(anonymous.registryLogin('localhost:5000', 'alice', 'wrong')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'login attempt to http://localhost:5000/v2/ failed with status: 401 Unauthorized (unauthorized: incorrect username or password)',
    });
    await anonymous.registryLogin('localhost:5000', 'bob', 'pw');
    await expect(anonymous.push('localhost:5000/alice/bb')).rejects.toMatchObject({ code: 'DENIED', message: 'denied: requested access to the resource is denied' });
    // Credentials given with the push (the Engine API's X-Registry-Auth) win over the stored login.
    await anonymous.push('localhost:5000/alice/bb', { credentials: { username: 'alice', password: 's3cret' } });
    anonymous.registryLogout('localhost:5000');
    await anonymous.registryLogin('http://localhost:5000/v2/', 'alice', 's3cret');
    await anonymous.images.remove('localhost:5000/alice/bb');
    await expect(anonymous.images.pull('localhost:5000/alice/bb')).resolves.toMatchObject({ id: alice.images.find('busybox')?.id });
  });

  it('pushing needs a login, and a namespace stays with the account that first pushed to it', { timeout: 60_000 }, async () => {
    const anonymous = await engine({ anonymous: true });
    await anonymous.images.pull('busybox');
    await anonymous.images.tag('busybox', 'localhost:5000/team/app:1');
    await expect(anonymous.push('localhost:5000/team/app:1')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'unauthorized: authentication required' });
    expect(registry.db.repository('team/app')).toBeUndefined();

    const alice = await engine({ anonymous: true });
    await alice.registryLogin('localhost:5000', 'alice', 'pw');
    await alice.images.pull('busybox');
    await alice.images.tag('busybox', 'localhost:5000/team/app:1');
    await alice.push('localhost:5000/team/app:1');
    // `docker login -u team` later: an account, not the owner of alice's namespace
    const team = await engine({ anonymous: true });
    await team.registryLogin('localhost:5000', 'team', 'pw');
    await team.images.pull('busybox');
    await team.images.tag('busybox', 'localhost:5000/team/app:2');
    await expect(team.push('localhost:5000/team/app:2')).rejects.toMatchObject({ code: 'DENIED', message: 'denied: requested access to the resource is denied' });
    // still public to pull, for anyone
    await expect(anonymous.images.pull('localhost:5000/team/app:1')).resolves.toMatchObject({ id: alice.images.find('busybox')?.id });
  });

  it('keeps pushed images across a new registry over the same backend; catalog and tags list', async () => {
    const e = await engine();
    await e.images.pull('busybox');
    for (const tag of ['localhost:5000/me/bb:1', 'localhost:5000/me/bb:2', 'localhost:5000/lib/busybox']) {
      await e.images.tag('busybox', tag);
      await e.push(tag);
    }
    registry = await RegistryServer.open({ backend: registryBackend });
    const fresh = await engine();
    expect(await fresh.registry.listTags(parseDockerRef('localhost:5000/me/bb'))).toEqual(['1', '2']);
    const catalog = await registry.handle(new Request('http://localhost:5000/v2/_catalog'));
    expect(await catalog.json()).toEqual({ repositories: ['lib/busybox', 'me/bb'] });
    await expect(fresh.images.pull('localhost:5000/me/bb:2')).resolves.toMatchObject({ id: e.images.find('busybox')?.id });
  });

  it('works with the Engine API login check (dockerd\'s algorithm: anonymous ping, then Basic on the challenge)', async () => {
    const { checkLogin } = await import('../api/registry-login.ts');
    const { routeFetch } = await import('./server/route-fetch.ts');
    const routed = routeFetch(fetch, { 'localhost:5000': registry.handle });
    await checkLogin(routed, 'http://localhost:5000', { username: 'carol', password: 'pw' });
    expect(registry.db.account('carol')).toBeDefined();
    await expect(checkLogin(routed, 'http://localhost:5000', { username: 'carol', password: 'nope' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('plugs into the Engine API router: POST /auth, then POST /images/{name}/push streams Docker\'s lines', async () => {
    const { createEngineApi } = await import('../api/engine-api.ts');
    const { CredentialStore } = await import('../api/auth-store.ts');
    const e = await engine();
    await e.images.pull('busybox');
    await e.images.tag('busybox', 'localhost:5000/dave/bb:v1');
    const api = createEngineApi({ service: e, credentials: new CredentialStore(), fetch: e.fetch, push: async (name, o) => void (await e.push(name, o)) });
    const auth = await api(new Request('http://engine/v1.43/auth', { method: 'POST', body: JSON.stringify({ username: 'dave', password: 'pw', serveraddress: 'localhost:5000' }), headers: { 'Content-Type': 'application/json' } }));
    expect(await auth.json()).toEqual({ Status: 'Login Succeeded', IdentityToken: '' });
    const pushed = await api(new Request('http://engine/v1.43/images/localhost:5000%2Fdave%2Fbb/push?tag=v1', { method: 'POST' }));
    const stream = (await pushed.text()).trim().split('\r\n').map((l) => JSON.parse(l) as { status?: string; error?: string });
    expect(stream.map((m) => m.error).filter(Boolean)).toEqual([]);
    expect(stream[0]?.status).toBe('The push refers to repository [localhost:5000/dave/bb]');
    expect(stream.at(-1)?.status).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+$/);
    expect((await registry.handle(new Request('http://localhost:5000/v2/dave/bb/tags/list'))).status).toBe(401);
  });

  it('says what Docker says for a tag that is not here, and maps login server names', async () => {
    const e = await engine();
    await expect(e.push('localhost:5000/me/nothing')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'An image does not exist locally with the tag: localhost:5000/me/nothing' });
    // docker.io is the read-only static registry here (this test's file server even answers 200 to a PUT).
    await e.images.pull('busybox');
    await expect(e.push('busybox')).rejects.toMatchObject({ code: 'DENIED', message: expect.stringContaining('registry docker.io does not accept pushes to busybox') });
    expect(registryHost('localhost:5000')).toBe('localhost:5000');
    expect(registryHost('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(registryHost('')).toBe('docker.io');
    expect(registryHost('https://index.docker.io/v1/')).toBe('docker.io');
  });
});
