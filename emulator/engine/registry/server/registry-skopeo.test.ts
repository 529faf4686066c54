// Conformance: Debian's skopeo (containers/image, a real Distribution client) pushes to and pulls from the
// registry handler served on 127.0.0.1 by the Node http adapter. Skipped without skopeo or public/registry.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nodeHandler } from '../../../node-backends/node-http-adapter.ts';
import { DirBlobBackend } from '../../../node-backends/store-backend-dir.ts';
import { openImagesService } from '../../images/images-service.ts';
import { MemoryBlobBackend } from '../../store/store-backend-memory.ts';
import { RegistryServer } from './registry-server.ts';

const SKOPEO = '/usr/bin/skopeo';
const LAYOUT = resolve(import.meta.dirname, '../../../../public/registry');
const ready = existsSync(SKOPEO) && existsSync(join(LAYOUT, 'index.json'));
const run = promisify(execFile);

let server: Server;
let registry: RegistryServer;
let host = '';
let scratch = '';
const seen: string[] = [];

beforeAll(async () => {
  if (!ready) return;
  scratch = await mkdtemp(join(tmpdir(), 'drydock-skopeo-'));
  // Real files under the registry (the Node directory backend), as engine:serve would keep them.
  registry = await RegistryServer.open({ backend: new DirBlobBackend(join(scratch, 'registry')) });
  server = createServer(nodeHandler((request) => registry.handle(request), (method, url, status) => seen.push(`${method} ${url.replace(/\?.*/, '')} ${status}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (!ready) return;
  await new Promise<void>((r) => server.close(() => r()));
  await rm(scratch, { recursive: true, force: true });
});

const skopeo = (...args: string[]) => run(SKOPEO, ['--insecure-policy', ...args], { timeout: 60_000 });
const sourceIndexDigest = async (name: string) => {
  const index = JSON.parse(await readFile(join(LAYOUT, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === name)?.digest;
};

it.skipIf(!ready)('skopeo copies busybox (index and all) into the registry and back, digests unchanged', { timeout: 120_000 }, async () => {
  // pushing needs a login: the account first (docker login's sign-up), then skopeo with its credentials
  expect((await registry.handle(new Request('http://x/v2/', { headers: { Authorization: `Basic ${btoa('tester:pw')}` } }))).status).toBe(200);
  await skopeo('copy', '--quiet', '--all', '--dest-tls-verify=false', '--dest-creds', 'tester:pw', `oci:${LAYOUT}:busybox:latest`, `docker://${host}/me/bb:1`);
  expect(seen.some((s) => s.startsWith('PUT /v2/me/bb/manifests/1 201'))).toBe(true);
  const { stdout } = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/me/bb:1`);
  const { stdout: digestLine } = await skopeo('inspect', '--format', '{{.Digest}}', '--override-arch', '386', '--tls-verify=false', `docker://${host}/me/bb:1`);
  expect(JSON.parse(stdout)).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json' });
  expect(digestLine.trim()).toMatch(/^sha256:/);

  const out = join(scratch, 'back');
  await skopeo('copy', '--quiet', '--all', '--src-tls-verify=false', `docker://${host}/me/bb:1`, `oci:${out}:bb`);
  const back = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  expect(back.manifests[0]?.digest).toBe(await sourceIndexDigest('busybox:latest'));

  // What skopeo pushed, our engine pulls (through the in-process route, not the socket).
  const engine = await openImagesService({ fetch, backend: new MemoryBlobBackend(), localRegistry: { host: 'localhost:5000', handle: registry.handle } });
  const pulled = await engine.images.pull('localhost:5000/me/bb:1');
  expect(pulled.repoDigest).toBe(await sourceIndexDigest('busybox:latest'));
  const { stdout: tags } = await skopeo('list-tags', '--tls-verify=false', `docker://${host}/me/bb`);
  expect(JSON.parse(tags)).toMatchObject({ Tags: ['1'] });

  // A new registry over the same directory (a page reload) still has it.
  registry = await RegistryServer.open({ backend: new DirBlobBackend(join(scratch, 'registry')) });
  const { stdout: again } = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/me/bb:1`);
  expect(again).toBe(stdout);
});

it.skipIf(!ready)('skopeo needs credentials for a private repository, and gets in with them', { timeout: 120_000 }, async () => {
  const signUp = await registry.handle(new Request('http://x/v2/', { headers: { Authorization: `Basic ${btoa('alice:pw')}` } }));
  expect(signUp.status).toBe(200);
  const target = `docker://${host}/alice/debian:bookworm`;
  const refused = await skopeo('copy', '--quiet', '--override-arch', '386', '--dest-tls-verify=false', `oci:${LAYOUT}:debian:latest`, target).then(
    () => 'pushed',
    (e: { stderr?: string }) => e.stderr ?? '',
  );
  expect(refused).toMatch(/authentication required|unauthorized/i);
  await skopeo('copy', '--quiet', '--override-arch', '386', '--dest-tls-verify=false', '--dest-creds', 'alice:pw', `oci:${LAYOUT}:debian:latest`, target);
  const { stdout } = await skopeo('inspect', '--tls-verify=false', '--creds', 'alice:pw', target);
  expect(JSON.parse(stdout)).toMatchObject({ Architecture: '386', Os: 'linux' });
  const anonymous = await skopeo('inspect', '--tls-verify=false', target).then(
    () => 'read',
    (e: { stderr?: string }) => e.stderr ?? '',
  );
  expect(anonymous).toMatch(/authentication required|unauthorized/i);
});
