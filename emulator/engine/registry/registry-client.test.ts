import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryFixture, sha } from '../../../test/unit/engine/registry-fixture.ts';
import { parseChallenge, RegistryClient, withoutLibraryPrefix } from './registry-client.ts';
import { parseDockerRef } from './reference.ts';

const file = (name: string, body: string) => ({ header: { name, size: body.length, type: 'file' as const, mode: 0o644 }, body });

const fixture = new RegistryFixture();
let images: Record<string, Awaited<ReturnType<RegistryFixture['addImage']>>> = {};

beforeAll(async () => {
  images = {
    busybox: await fixture.addImage({ name: 'library/busybox', tag: 'latest', layers: [{ entries: [file('bin/busybox', 'BB')] }], otherPlatforms: [{ os: 'linux', architecture: 'amd64' }] }),
    armOnly: await fixture.addImage({
      name: 'library/armonly',
      tag: 'latest',
      architecture: 'arm64',
      layers: [{ entries: [file('a', 'a')] }],
      otherPlatforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }],
    }),
    bare: await fixture.addImage({ name: 'me/bare', tag: 'v1', noIndex: true, docker: true, layers: [{ entries: [file('x', 'x')] }] }),
    bareAmd64: await fixture.addImage({ name: 'me/amd', tag: 'v1', noIndex: true, architecture: 'amd64', layers: [{ entries: [file('x', 'y')] }] }),
  };
  await fixture.start();
});
afterAll(() => fixture.stop());

const client = () => new RegistryClient({ fetch, registries: { 'docker.io': `${fixture.url}/`, 'localhost:5000': fixture.url } });

describe('RegistryClient against a static-file registry (octet-stream content types)', () => {
  it('resolves a tag through the index to the linux/386 manifest and its config', async () => {
    const r = await client().resolveImage(parseDockerRef('busybox'));
    expect(r.repoDigest).toBe(images.busybox?.indexDigest);
    expect(r.manifest.digest).toBe(images.busybox?.manifestDigest);
    expect(r.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(r.index?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(r.config.digest).toBe(images.busybox?.configDigest);
    expect(r.config.document.architecture).toBe('386');
    expect(fixture.requests).toContain('GET /v2/library/busybox/manifests/latest');
  });

  it('resolves a bare Docker schema 2 manifest (no index) and records its digest', async () => {
    const r = await client().resolveImage(parseDockerRef('localhost:5000/me/bare:v1'));
    expect(r.index).toBeUndefined();
    expect(r.repoDigest).toBe(images.bare?.manifestDigest);
    expect(r.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  it('fetches by digest and verifies the bytes', async () => {
    const ref = parseDockerRef(`busybox@${images.busybox?.indexDigest}`);
    const r = await client().resolveImage(ref);
    expect(r.repoDigest).toBe(images.busybox?.indexDigest);
    const wrong = sha('something else');
    fixture.files.set(`library/busybox/manifests/${wrong}`, fixture.files.get('library/busybox/manifests/latest')!);
    await expect(client().getManifest(parseDockerRef(`busybox@${wrong}`))).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: expect.stringContaining(`expected ${wrong}`),
    });
  });

  it('explains when an image has no linux/386 variant, listing what it has', async () => {
    const err = await client().resolveImage(parseDockerRef('armonly')).catch((e) => e);
    expect(err.code).toBe('PLATFORM_UNSUPPORTED');
    expect(err.message).toContain('no matching manifest for linux/386');
    expect(err.message).toContain('linux/amd64, linux/arm/v7, linux/arm64');
    expect(err.message).toContain('32-bit x86');
    expect(err.message).not.toContain('unknown');
    const bare = await client().resolveImage(parseDockerRef('localhost:5000/me/amd:v1')).catch((e) => e);
    expect(bare.code).toBe('PLATFORM_UNSUPPORTED');
    expect(bare.message).toContain('wanted linux/386, actual: linux/amd64');
  });

  it('says manifest unknown for a missing tag', async () => {
    await expect(client().resolveImage(parseDockerRef('busybox:nope'))).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      message: 'manifest for busybox:nope not found: manifest unknown',
    });
  });

  it('streams blobs, and says blob unknown for a missing one', async () => {
    const layer = images.busybox!.layers[0]!;
    const { stream, size } = await client().getBlob(parseDockerRef('busybox'), { digest: layer.digest as never, size: layer.size });
    expect(size).toBe(layer.size);
    expect(new Uint8Array(await new Response(stream).arrayBuffer())).toEqual(layer.gz);
    await expect(client().getBlob(parseDockerRef('busybox'), { digest: sha('none') as never, size: 1 })).rejects.toMatchObject({ code: 'BLOB_UNKNOWN' });
  });

  it('uses the Content-Type header when the document has no mediaType', async () => {
    fixture.properTypes = true;
    try {
      const r = await client().resolveImage(parseDockerRef('busybox'));
      expect(r.index?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    } finally {
      fixture.properTypes = false;
    }
  });

  it('reports an unreachable registry with its URL', async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = new RegistryClient({ fetch, registries: { 'docker.io': `http://127.0.0.1:${port}` } });
    await expect(down.resolveImage(parseDockerRef('busybox'))).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      message: expect.stringContaining(`http://127.0.0.1:${port}/v2/library/busybox/manifests/latest`),
    });
  });

  it('maps registries, and puts the CORS proxy before remote registries only', () => {
    const c = new RegistryClient({ fetch, registries: { 'docker.io': '/registry/' }, corsProxy: 'https://proxy.example/?' });
    expect(c.baseUrl('docker.io')).toBe('/registry');
    expect(c.baseUrl('ghcr.io')).toBe('https://proxy.example/?https://ghcr.io');
    expect(new RegistryClient({ fetch }).baseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(new RegistryClient({ fetch }).baseUrl('localhost:5000')).toBe('http://localhost:5000');
  });
});

describe('bearer token auth', () => {
  const secured = new RegistryFixture();
  beforeAll(async () => {
    await secured.addImage({ name: 'me/private', tag: 'latest', layers: [{ entries: [file('s', 'secret')] }] });
    secured.auth = { username: 'me', password: 'pw' };
    await secured.start();
  });
  afterAll(() => secured.stop());

  it('answers a 401 challenge with a token obtained with the stored credentials, then reuses it', async () => {
    const c = new RegistryClient({
      fetch,
      registries: { 'localhost:5000': secured.url },
      credentials: async (host) => (host === 'localhost:5000' ? { username: 'me', password: 'pw' } : undefined),
    });
    const r = await c.resolveImage(parseDockerRef('localhost:5000/me/private'));
    expect(r.config.document.architecture).toBe('386');
    const tokenRequests = secured.requests.filter((q) => q.startsWith('GET /token'));
    expect(tokenRequests).toEqual(['GET /token?service=fixture&scope=repository%3Ame%2Fprivate%3Apull']);
  });

  it('refuses without credentials the way Docker says it, and with wrong ones', async () => {
    const anon = new RegistryClient({ fetch, registries: { 'localhost:5000': secured.url } });
    await expect(anon.resolveImage(parseDockerRef('localhost:5000/me/private'))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: "pull access denied for localhost:5000/me/private, repository does not exist or may require 'docker login'",
    });
    const wrong = new RegistryClient({ fetch, registries: { 'localhost:5000': secured.url }, credentials: async () => ({ username: 'me', password: 'no' }) });
    await expect(wrong.resolveImage(parseDockerRef('localhost:5000/me/private'))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('refused') });
  });

  it('parses WWW-Authenticate challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
    expect(parseChallenge('Basic realm="Registry"')).toEqual({ scheme: 'basic', params: { realm: 'Registry' } });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('registry endpoints', () => {
  it("names what a registry that lists its images has when a pull's image or tag is not there", async () => {
    // The app's static registry has these two files; the fixture serves manifests and blobs.
    const listing: Record<string, unknown> = { '/v2/_catalog': { repositories: ['busybox', 'debian'] }, '/v2/busybox/tags/list': { name: 'busybox', tags: ['1.35', 'latest'] } };
    const fetchWithListing: typeof fetch = async (input, init) => {
      const path = new URL(String(input)).pathname;
      const body = listing[path];
      return body !== undefined ? new Response(JSON.stringify(body), { status: 200 }) : fetch(input, init);
    };
    const endpoint = { baseUrl: fixture.url, repositoryPath: withoutLibraryPrefix, listsImages: true };
    const c = new RegistryClient({ fetch: fetchWithListing, registries: { 'docker.io': endpoint } });
    await expect(c.resolveImage(parseDockerRef('alpine'))).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      message: 'manifest for alpine:latest not found: manifest unknown (the images here are busybox, debian; this machine cannot reach other registries)',
    });
    await expect(c.resolveImage(parseDockerRef('busybox:9'))).rejects.toMatchObject({
      message: 'manifest for busybox:9 not found: manifest unknown (busybox here has the tags 1.35, latest)',
    });
    // Without listsImages, Docker's words alone.
    const plain = new RegistryClient({ fetch: fetchWithListing, registries: { 'docker.io': { ...endpoint, listsImages: false } } });
    await expect(plain.resolveImage(parseDockerRef('alpine'))).rejects.toMatchObject({ message: 'manifest for alpine:latest not found: manifest unknown' });
  });

  it('can rewrite repository paths for a mirror without the library/ prefix', async () => {
    const flat = new RegistryFixture();
    await flat.addImage({ name: 'busybox', tag: 'latest', layers: [{ entries: [file('bin/busybox', 'BB')] }] });
    await flat.start();
    try {
      const c = new RegistryClient({ fetch, registries: { 'docker.io': { baseUrl: flat.url, repositoryPath: withoutLibraryPrefix } } });
      const r = await c.resolveImage(parseDockerRef('busybox'));
      expect(r.config.document.architecture).toBe('386');
      expect(flat.requests[0]).toBe('GET /v2/busybox/manifests/latest');
      expect(c.repositoryUrl(parseDockerRef('me/app'))).toBe(`${flat.url}/v2/me/app`);
    } finally {
      await flat.stop();
    }
  });
});
