import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryFixture } from '../../../test/unit/engine/registry-fixture.ts';
import { openImagesService } from '../images/images-service.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';
import { CredentialStore, registryHost } from './auth-store.ts';
import { createEngineApi, type EngineApi } from './engine-api.ts';

const t0 = new Date('2024-01-02T03:04:05Z');
const registry = new RegistryFixture();
let api: EngineApi;
let credentials: CredentialStore;

beforeAll(async () => {
  await registry.addImage({ name: 'library/busybox', tag: 'latest', layers: [{ entries: [{ header: { name: 'bin/busybox', type: 'file', size: 2, mode: 0o755, mtime: t0 }, body: 'BB' }] }] });
  await registry.start();
  credentials = new CredentialStore();
  const service = await openImagesService({ fetch, backend: new MemoryBlobBackend(), registries: { 'docker.io': registry.url }, credentials: credentials.lookup });
  api = createEngineApi({ service, credentials, fetch });
});
afterAll(() => registry.stop());

const call = (method: string, path: string, init: RequestInit = {}) => api(new Request(`http://engine${path}`, { method, ...init }));

describe('Engine API router', () => {
  it('answers _ping with the headers a docker client negotiates from, with or without a version prefix', async () => {
    const ping = await call('GET', '/_ping');
    expect(await ping.text()).toBe('OK');
    expect(ping.headers.get('Api-Version')).toBe('1.43');
    expect(ping.headers.get('OSType')).toBe('linux');
    expect(ping.headers.get('Docker-Experimental')).toBe('false');
    expect((await call('HEAD', '/v1.43/_ping')).status).toBe(200);
    const version = (await (await call('GET', '/v1.40/version')).json()) as { ApiVersion: string; MinAPIVersion: string; Arch: string };
    expect(version).toMatchObject({ ApiVersion: '1.43', MinAPIVersion: '1.24', Arch: '386' });
  });

  it('refuses API versions out of range and unknown paths like dockerd', async () => {
    const tooNew = await call('GET', '/v1.50/version');
    expect(tooNew.status).toBe(400);
    expect(await tooNew.json()).toEqual({ message: 'client version 1.50 is too new. Maximum supported API version is 1.43' });
    expect((await call('GET', '/nope')).status).toBe(404);
    const later = await call('POST', '/containers/create');
    expect(later.status).toBe(501);
    expect(((await later.json()) as { message: string }).message).toMatch(/not implemented in drydock yet/);
    expect(await (await call('GET', '/containers/x/json')).json()).toEqual({ message: 'No such container: x' });
  });

  it('pulls as a newline-delimited JSON stream; a failure before any progress is an HTTP error', async () => {
    const r = await call('POST', '/v1.43/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest');
    expect(r.status).toBe(200);
    const messages = (await r.text()).trim().split('\r\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(messages[0]).toEqual({ status: 'Pulling from library/busybox', id: 'latest' });
    expect(messages).toContainEqual(expect.objectContaining({ status: 'Pull complete', progressDetail: {} }));
    expect(messages.find((m) => m.status === 'Downloading' && (m.progressDetail as { current: number }).current > 0)).toMatchObject({ progress: expect.stringMatching(/^\[=+>? *\] /) });
    expect(messages.at(-1)).toEqual({ status: 'Status: Downloaded newer image for busybox:latest' });
    const missing = await call('POST', '/images/create?fromImage=busybox&tag=nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(/nope/);
  });

  it('lists one layer\'s own files by DiffID (drydock extension); an unknown layer is 404', async () => {
    await call('POST', '/images/create?fromImage=busybox&tag=latest').then((r) => r.text());
    const inspect = (await (await call('GET', '/images/busybox/json')).json()) as { RootFS: { Layers: string[] } };
    const diffId = inspect.RootFS.Layers[0] as string;
    const files = await call('GET', `/drydock/layers/${diffId}/files`);
    expect(files.status).toBe(200);
    expect(await files.json()).toEqual({ Entries: [{ Path: '/bin/busybox', Type: 'file', Size: 2, Mode: 0o755 }], Truncated: false });
    const missing = await call('GET', `/drydock/layers/sha256:${'0'.repeat(64)}/files`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: `No such layer: sha256:${'0'.repeat(64)}` });
  });

  it('images, inspect, history, tag (201), delete, df', async () => {
    const list = (await (await call('GET', '/images/json')).json()) as { RepoTags: string[] }[];
    expect(list.map((i) => i.RepoTags)).toEqual([['busybox:latest']]);
    expect(await (await call('GET', '/images/json?filters=%7B%22reference%22%3A%7B%22nothing%22%3Atrue%7D%7D')).json()).toEqual([]);
    expect((await call('GET', '/images/json?filters=%7B%22label%22%3A%5B%22a%22%5D%7D')).status).toBe(400);
    expect((await call('GET', '/images/busybox/json')).status).toBe(200);
    expect((await call('GET', '/images/busybox:latest/history')).status).toBe(200);
    expect((await call('POST', '/images/busybox/tag?repo=localhost%3A5000%2Fme%2Fbb&tag=1')).status).toBe(201);
    expect((await call('GET', '/images/localhost:5000%2Fme%2Fbb:1/json')).status).toBe(200);
    expect((await call('POST', '/images/busybox/tag?repo=Bad')).status).toBe(400);
    expect(await (await call('DELETE', '/images/localhost:5000/me/bb:1')).json()).toEqual([{ Untagged: 'localhost:5000/me/bb:1' }]);
    expect(await (await call('DELETE', '/images/nope')).json()).toEqual({ message: 'No such image: nope' });
    const df = (await (await call('GET', '/system/df')).json()) as { LayersSize: number; Images: { Containers: number }[] };
    expect(df.LayersSize).toBe(2);
    expect(df.Images[0]?.Containers).toBe(0);
  });

  it('push: 404 for an image that is not here; docker.io (read-only here) refuses inside the stream', async () => {
    expect(await (await call('POST', '/images/nothere/push?tag=latest')).json()).toEqual({ message: 'An image does not exist locally with the tag: nothere' });
    const r = await call('POST', '/images/busybox/push?tag=latest');
    const last = JSON.parse((await r.text()).trim().split('\r\n').at(-1) as string) as { error?: string };
    expect(last.error).toMatch(/does not accept pushes/);
  });

  it('login against a registry that asks nothing succeeds, and X-Registry-Auth credentials are kept per registry', async () => {
    const r = await call('POST', '/auth', { body: JSON.stringify({ username: 'u', password: 'p', serveraddress: 'https://index.docker.io/v1/' }), headers: { 'Content-Type': 'application/json' } });
    expect(await r.json()).toEqual({ Status: 'Login Succeeded', IdentityToken: '' });
    expect(credentials.get('docker.io')).toEqual({ username: 'u', password: 'p' });
    expect(await (await call('DELETE', '/auth?serveraddress=https%3A%2F%2Findex.docker.io%2Fv1%2F')).json()).toEqual({ Status: 'Removing login credentials for https://index.docker.io/v1/' });
    expect(registryHost('localhost:5000/')).toBe('localhost:5000');
  });
});
