// registryMiddleware answers like a Distribution API: media types from the manifests, digests, spec errors.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPE } from './oci.ts';
import { registryMiddleware } from './registry-server.ts';

const ROOT = resolve(import.meta.dirname, '../../public/registry');
let server: Server;
let base: string;

beforeAll(async () => {
  const handle = registryMiddleware(ROOT, '/registry');
  server = createServer((req, res) => handle(req, res, () => res.writeHead(418).end()));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/registry`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('registryMiddleware', () => {
  it('answers /v2/ with 200 and the API version header', async () => {
    const res = await fetch(`${base}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('sends a manifest with its own mediaType and digest', async () => {
    const index = await fetch(`${base}/v2/busybox/manifests/latest`);
    expect(index.headers.get('content-type')).toBe(MEDIA_TYPE.imageIndex);
    const body = (await index.json()) as { manifests: { digest: string }[] };
    const digest = body.manifests[0]!.digest;
    const manifest = await fetch(`${base}/v2/busybox/manifests/${digest}`, { method: 'HEAD' });
    expect(manifest.headers.get('content-type')).toBe(MEDIA_TYPE.imageManifest);
    expect(manifest.headers.get('docker-content-digest')).toBe(digest);
  });

  it('answers unknown manifests and blobs with distribution-spec errors', async () => {
    const manifest = await fetch(`${base}/v2/busybox/manifests/nope`);
    expect(manifest.status).toBe(404);
    expect(await manifest.json()).toMatchObject({ errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    const blob = await fetch(`${base}/v2/busybox/blobs/sha256:${'0'.repeat(64)}`);
    expect(await blob.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
  });

  it('refuses writes and paths outside the registry', async () => {
    expect((await fetch(`${base}/v2/busybox/manifests/latest`, { method: 'PUT', body: '{}' })).status).toBe(405);
    expect((await fetch(`${base}/v2/../../package.json`)).status).not.toBe(200);
  });

  it('passes requests outside its mount to the next handler', async () => {
    expect((await fetch(`${base.replace('/registry', '')}/elsewhere`)).status).toBe(418);
  });
});
