import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { MemoryBlobBackend } from '../../store/store-backend-memory.ts';
import { RegistryServer } from './registry-server.ts';

const BASE = 'http://localhost:5000';
const enc = (s: string) => new TextEncoder().encode(s);
const basic = (user: string, pass: string) => `Basic ${btoa(`${user}:${pass}`)}`;

let backend: MemoryBlobBackend;
let server: RegistryServer;
/** Writes need a login: they go as `tester` (signed up before each test) unless the test says otherwise. */
const ME = { Authorization: basic('tester', 'pw') };
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const call = (method: string, path: string, init: { body?: Uint8Array | string; headers?: Record<string, string>; anonymous?: boolean } = {}) =>
  server.handle(
    new Request(`${BASE}${path}`, {
      method,
      ...(init.body !== undefined ? { body: (typeof init.body === 'string' ? enc(init.body) : init.body) as Uint8Array<ArrayBuffer> } : {}),
      headers: { ...(WRITES.has(method) && !init.anonymous ? ME : {}), ...(init.headers ?? {}) },
    }),
  );
const errorCode = async (r: Response) => ((await r.json()) as { errors: { code: string }[] }).errors[0]?.code;

/** A tiny image: one layer blob, a config, a manifest naming them. */
function image(seed: string) {
  const layer = enc(`layer ${seed}`);
  const config = enc(JSON.stringify({ architecture: '386', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } }));
  const manifest = enc(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.byteLength },
      layers: [{ mediaType: MediaType.ociLayerGzip, digest: sha256Digest(layer), size: layer.byteLength }],
    }),
  );
  return { layer, config, manifest, digest: sha256Digest(manifest) };
}

async function pushMonolithic(name: string, blob: Uint8Array, headers: Record<string, string> = {}, anonymous = false) {
  return call('POST', `/v2/${name}/blobs/uploads/?digest=${sha256Digest(blob)}`, { body: blob, headers, anonymous });
}

async function pushImage(name: string, tag: string, img: ReturnType<typeof image>, headers: Record<string, string> = {}) {
  for (const blob of [img.layer, img.config]) expect((await pushMonolithic(name, blob, headers)).status).toBe(201);
  return call('PUT', `/v2/${name}/manifests/${tag}`, { body: img.manifest, headers: { ...headers, 'Content-Type': MediaType.ociManifest } });
}

beforeEach(async () => {
  backend = new MemoryBlobBackend();
  server = await RegistryServer.open({ backend });
  expect((await call('GET', '/v2/', { headers: ME })).status).toBe(200);
});

describe('the in-browser registry (distribution-spec)', () => {
  it('answers /v2/ with the API version header, and a Basic challenge to anonymous callers', async () => {
    const r = await call('GET', '/v2/');
    expect(r.status).toBe(401);
    expect(r.headers.get('Docker-Distribution-API-Version')).toBe('registry/2.0');
    expect(r.headers.get('WWW-Authenticate')).toBe('Basic realm="drydock registry localhost:5000"');
    const signedUp = await call('GET', '/v2/', { headers: { Authorization: basic('me', 'pw') } });
    expect(signedUp.status).toBe(200);
    expect(signedUp.headers.get('Docker-Distribution-API-Version')).toBe('registry/2.0');
  });

  it('takes a monolithic push and serves it back with the right headers', async () => {
    const img = image('a');
    const put = await pushImage('me/app', '1.0', img);
    expect(put.status).toBe(201);
    expect(put.headers.get('Docker-Content-Digest')).toBe(img.digest);
    expect(put.headers.get('Location')).toBe(`/v2/me/app/manifests/${img.digest}`);

    for (const ref of ['1.0', img.digest]) {
      const get = await call('GET', `/v2/me/app/manifests/${ref}`);
      expect(get.status).toBe(200);
      expect(get.headers.get('Content-Type')).toBe(MediaType.ociManifest);
      expect(get.headers.get('Docker-Content-Digest')).toBe(img.digest);
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(img.manifest);
    }
    const head = await call('HEAD', '/v2/me/app/manifests/1.0');
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(img.manifest.byteLength));
    const blob = await call('GET', `/v2/me/app/blobs/${sha256Digest(img.layer)}`);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(img.layer);
    expect((await call('HEAD', `/v2/me/app/blobs/${sha256Digest(img.layer)}`)).status).toBe(200);
    // A blob is only visible in the repositories it was pushed or mounted into.
    expect(await errorCode(await call('GET', `/v2/other/blobs/${sha256Digest(img.layer)}`))).toBe('BLOB_UNKNOWN');
    expect(await errorCode(await call('GET', '/v2/me/app/manifests/2.0'))).toBe('MANIFEST_UNKNOWN');
    expect(await errorCode(await call('GET', '/v2/nobody/manifests/latest'))).toBe('NAME_UNKNOWN');
    expect(await errorCode(await call('GET', '/v2/Bad_Name/manifests/latest'))).toBe('NAME_INVALID');
  });

  it('takes a chunked upload in order and refuses an out-of-order chunk with 416', async () => {
    const blob = enc('0123456789abcdefghij');
    const start = await call('POST', '/v2/me/chunks/blobs/uploads/');
    expect(start.status).toBe(202);
    const uuid = start.headers.get('Docker-Upload-UUID');
    expect(start.headers.get('Location')).toBe(`/v2/me/chunks/blobs/uploads/${uuid}`);
    expect(start.headers.get('Range')).toBe('0-0');
    let location = start.headers.get('Location') as string;
    const first = await call('PATCH', location, { body: blob.slice(0, 8), headers: { 'Content-Range': '0-7', 'Content-Type': 'application/octet-stream' } });
    expect(first.status).toBe(202);
    expect(first.headers.get('Range')).toBe('0-7');
    location = first.headers.get('Location') as string;

    const skipped = await call('PATCH', location, { body: blob.slice(12), headers: { 'Content-Range': '12-19' } });
    expect(skipped.status).toBe(416);
    expect(skipped.headers.get('Range')).toBe('0-7');
    expect(await errorCode(skipped)).toBe('BLOB_UPLOAD_INVALID');

    expect((await call('GET', location, { headers: ME })).headers.get('Range')).toBe('0-7');
    expect((await call('PATCH', location, { body: blob.slice(8, 16), headers: { 'Content-Range': '8-15' } })).status).toBe(202);
    const done = await call('PUT', `${location}?digest=${sha256Digest(blob)}`, { body: blob.slice(16) });
    expect(done.status).toBe(201);
    expect(done.headers.get('Docker-Content-Digest')).toBe(sha256Digest(blob));
    const got = await call('GET', `/v2/me/chunks/blobs/${sha256Digest(blob)}`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(blob);
    expect(await backend.list('uploads/')).toEqual([]);
    expect(await errorCode(await call('PATCH', location, { body: 'x' }))).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('refuses an upload whose bytes do not match its digest and stores nothing', async () => {
    const before = await backend.list('blobs/');
    const wrong = sha256Digest(enc('something else'));
    const mono = await call('POST', `/v2/me/bad/blobs/uploads/?digest=${wrong}`, { body: 'these bytes' });
    expect(mono.status).toBe(400);
    expect(await errorCode(mono)).toBe('DIGEST_INVALID');

    const start = await call('POST', '/v2/me/bad/blobs/uploads/');
    const location = start.headers.get('Location') as string;
    await call('PATCH', location, { body: 'these bytes' });
    const put = await call('PUT', `${location}?digest=${wrong}`);
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('DIGEST_INVALID');
    expect(await backend.list('blobs/')).toEqual(before);
    expect(await backend.list('uploads/')).toEqual([]);
    expect((await call('HEAD', `/v2/me/bad/blobs/${wrong}`)).status).toBe(404);

    // A blob the registry already has cannot be "uploaded" again with other bytes either.
    const real = enc('real');
    await pushMonolithic('me/bad', real);
    const forged = await call('POST', `/v2/me/other/blobs/uploads/?digest=${sha256Digest(real)}`, { body: 'fake' });
    expect(await errorCode(forged)).toBe('DIGEST_INVALID');
    expect((await call('HEAD', `/v2/me/other/blobs/${sha256Digest(real)}`)).status).toBe(404);
  });

  it('refuses manifests naming blobs it does not have, or that are not manifests', async () => {
    const img = image('b');
    await pushMonolithic('me/app', img.config);
    const missing = await call('PUT', '/v2/me/app/manifests/latest', { body: img.manifest, headers: { 'Content-Type': MediaType.ociManifest } });
    expect(missing.status).toBe(400);
    expect(await errorCode(missing)).toBe('MANIFEST_BLOB_UNKNOWN');
    const notJson = await call('PUT', '/v2/me/app/manifests/latest', { body: '{nope', headers: { 'Content-Type': MediaType.ociManifest } });
    expect(await errorCode(notJson)).toBe('MANIFEST_INVALID');
    await pushMonolithic('me/app', img.layer);
    const byWrongDigest = await call('PUT', `/v2/me/app/manifests/${sha256Digest(enc('x'))}`, { body: img.manifest, headers: { 'Content-Type': MediaType.ociManifest } });
    expect(await errorCode(byWrongDigest)).toBe('DIGEST_INVALID');
    const byDigest = await call('PUT', `/v2/me/app/manifests/${img.digest}`, { body: img.manifest, headers: { 'Content-Type': MediaType.ociManifest } });
    expect(byDigest.status).toBe(201);
    // An index may only name manifests of the same repository.
    const index = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest: img.digest, size: img.manifest.byteLength, platform: { os: 'linux', architecture: '386' } }] });
    expect((await call('PUT', '/v2/me/app/manifests/multi', { body: index, headers: { 'Content-Type': MediaType.ociIndex } })).status).toBe(201);
    expect(await errorCode(await call('PUT', '/v2/me/elsewhere/manifests/multi', { body: index, headers: { 'Content-Type': MediaType.ociIndex } }))).toBe('MANIFEST_BLOB_UNKNOWN');
    expect((await call('GET', '/v2/me/app/manifests/multi')).headers.get('Content-Type')).toBe(MediaType.ociIndex);
  });

  it('mounts a blob from another repository, and falls back to an upload session when it cannot', async () => {
    const img = image('c');
    await pushImage('library/busybox', 'latest', img);
    const layer = sha256Digest(img.layer);
    const mounted = await call('POST', `/v2/me/bb/blobs/uploads/?mount=${layer}&from=library/busybox`);
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('Location')).toBe(`/v2/me/bb/blobs/${layer}`);
    expect((await call('HEAD', `/v2/me/bb/blobs/${layer}`)).status).toBe(200);
    const fallback = await call('POST', `/v2/me/bb/blobs/uploads/?mount=${layer}&from=library/nothing`);
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('Docker-Upload-UUID')).toBeTruthy();
  });

  it('lists tags and the catalog, with pagination', async () => {
    const img = image('d');
    for (const tag of ['b', 'a', 'c']) expect((await pushImage('me/app', tag, img)).status).toBe(201);
    await pushImage('library/busybox', 'latest', img);
    await call('POST', '/v2/me/empty/blobs/uploads/'); // an upload alone does not make a listed repository
    expect(await (await call('GET', '/v2/me/app/tags/list')).json()).toEqual({ name: 'me/app', tags: ['a', 'b', 'c'] });
    const page = await call('GET', '/v2/me/app/tags/list?n=2');
    expect(await page.json()).toEqual({ name: 'me/app', tags: ['a', 'b'] });
    expect(page.headers.get('Link')).toBe('</v2/me/app/tags/list?n=2&last=b>; rel="next"');
    expect(await (await call('GET', '/v2/me/app/tags/list?n=2&last=b')).json()).toEqual({ name: 'me/app', tags: ['c'] });
    expect(await (await call('GET', '/v2/_catalog')).json()).toEqual({ repositories: ['library/busybox', 'me/app'] });
    expect(await errorCode(await call('GET', '/v2/me/none/tags/list'))).toBe('NAME_UNKNOWN');
  });

  it('deletes tags and manifests', async () => {
    const img = image('e');
    await pushImage('me/app', 'x', img);
    await pushImage('me/app', 'y', img);
    expect((await call('DELETE', '/v2/me/app/manifests/x')).status).toBe(202);
    expect(await (await call('GET', '/v2/me/app/tags/list')).json()).toEqual({ name: 'me/app', tags: ['y'] });
    expect((await call('DELETE', `/v2/me/app/manifests/${img.digest}`)).status).toBe(202);
    expect(await errorCode(await call('GET', '/v2/me/app/manifests/y'))).toBe('MANIFEST_UNKNOWN');
    expect(await backend.has(`blobs/sha256/${img.digest.slice(7)}`)).toBe(false);
  });

  it('keeps repositories, tags and accounts across a new instance over the same backend', async () => {
    const img = image('f');
    expect((await call('GET', '/v2/', { headers: { Authorization: basic('alice', 'pw') } })).status).toBe(200);
    await pushImage('alice/app', 'v1', img, { Authorization: basic('alice', 'pw') });
    server = await RegistryServer.open({ backend });
    const auth = { Authorization: basic('alice', 'pw') };
    expect(await (await call('GET', '/v2/alice/app/tags/list', { headers: auth })).json()).toEqual({ name: 'alice/app', tags: ['v1'] });
    expect((await call('GET', '/v2/alice/app/manifests/v1')).status).toBe(401);
    expect((await call('GET', '/v2/', { headers: { Authorization: basic('alice', 'wrong') } })).status).toBe(401);
  });
});

describe('accounts and private repositories', () => {
  const alice = { Authorization: basic('alice', 'secret') };
  const bob = { Authorization: basic('bob', 'hunter2') };

  it('creates an account on the first login, then checks its password', async () => {
    expect((await call('GET', '/v2/', { headers: alice })).status).toBe(200);
    expect(server.db.account('alice')).toBeDefined();
    expect(JSON.stringify(server.db.account('alice'))).not.toContain('secret');
    expect((await call('GET', '/v2/', { headers: alice })).status).toBe(200);
    const wrong = await call('GET', '/v2/', { headers: { Authorization: basic('alice', 'nope') } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('WWW-Authenticate')).toBe('Basic realm="drydock registry localhost:5000"');
    expect(await errorCode(wrong)).toBe('UNAUTHORIZED');
    expect((await call('GET', '/v2/', { headers: { Authorization: basic('Not Valid', 'x') } })).status).toBe(401);
    // Public repositories answer anonymous requests, also skopeo's empty `Basic Og==`.
    expect((await pushImage('public/app', 'latest', image('z'))).status).toBe(201);
    expect((await call('GET', '/v2/public/app/manifests/latest', { headers: { Authorization: 'Basic Og==' } })).status).toBe(200);
  });

  it('makes the repositories under an account namespace (alice/...) private to that account', async () => {
    await call('GET', '/v2/', { headers: alice });
    await call('GET', '/v2/', { headers: bob });
    const img = image('p');
    expect((await pushImage('alice/app', 'latest', img, alice)).status).toBe(201);
    const anonymous = await call('GET', '/v2/alice/app/manifests/latest');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('WWW-Authenticate')).toContain('Basic realm=');
    expect(await anonymous.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    expect((await call('GET', '/v2/alice/app/manifests/latest', { headers: bob })).status).toBe(403);
    expect((await call('GET', '/v2/alice/app/manifests/latest', { headers: alice })).status).toBe(200);
    expect((await pushMonolithic('alice/app', enc('anon'), {}, true)).status).toBe(401);
    // Another account cannot mount alice's blobs into its own repository: it gets an upload session instead.
    const steal = await call('POST', `/v2/bob/copy/blobs/uploads/?mount=${sha256Digest(img.layer)}&from=alice/app`, { headers: bob });
    expect(steal.status).toBe(202);
    expect(await (await call('GET', '/v2/_catalog')).json()).toEqual({ repositories: [] });
    expect(await (await call('GET', '/v2/_catalog', { headers: alice })).json()).toEqual({ repositories: ['alice/app'] });
  });

  it('pushing needs a login: anonymous 401 with a Basic challenge, before anything is stored', async () => {
    const img = image('anon');
    const r = await pushMonolithic('shared/app', img.layer, {}, true);
    expect(r.status).toBe(401);
    expect(r.headers.get('WWW-Authenticate')).toBe('Basic realm="drydock registry localhost:5000"');
    expect(await r.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: [{ Type: 'repository', Name: 'shared/app', Action: 'push' }] }] });
    expect((await call('POST', '/v2/shared/app/blobs/uploads/', { anonymous: true })).status).toBe(401);
    expect((await call('PUT', '/v2/shared/app/manifests/latest', { body: img.manifest, headers: { 'Content-Type': MediaType.ociManifest }, anonymous: true })).status).toBe(401);
    expect(server.db.repository('shared/app')).toBeUndefined();
    expect(server.db.namespaceOwner('shared')).toBeUndefined();
  });

  it('a namespace belongs to its first pusher: others get 403, and a later account of that name does not take it over', async () => {
    await call('GET', '/v2/', { headers: alice });
    expect((await pushImage('team/app', 'latest', image('q'), alice)).status).toBe(201);
    expect(server.db.namespaceOwner('team')).toBe('alice');
    // public to pull (not an account's own namespace), to anyone
    expect((await call('GET', '/v2/team/app/manifests/latest')).status).toBe(200);
    // `docker login -u team` creates the account, not a claim on alice's namespace
    const team = { Authorization: basic('team', 'pw') };
    expect((await call('GET', '/v2/', { headers: team })).status).toBe(200);
    expect(server.db.namespaceOwner('team')).toBe('alice');
    expect((await pushMonolithic('team/app', image('r').layer, team)).status).toBe(403);
    const blob = await pushMonolithic('team/other', enc('x'), team);
    expect(blob.status).toBe(403);
    expect(await blob.json()).toEqual({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied', detail: null }] });
    expect((await call('DELETE', `/v2/team/app/manifests/latest`, { headers: team })).status).toBe(403);
    expect((await call('GET', '/v2/team/app/manifests/latest')).status).toBe(200);
    expect((await call('GET', '/v2/team/app/manifests/latest', { headers: team })).status).toBe(200);
    // the owner still pushes; a name nobody has is claimed by its first pusher
    await call('GET', '/v2/', { headers: bob });
    expect((await pushImage('team/app', 'v2', image('s'), alice)).status).toBe(201);
    expect((await pushImage('solo', 'latest', image('t'), bob)).status).toBe(201);
    expect(server.db.namespaceOwner('solo')).toBe('bob');
    expect((await pushMonolithic('solo', enc('y'), alice)).status).toBe(403);
    // and it is remembered across a new instance
    server = await RegistryServer.open({ backend });
    expect(server.db.namespaceOwner('team')).toBe('alice');
  });
});
