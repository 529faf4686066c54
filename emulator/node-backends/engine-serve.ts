// `npm run engine:serve -- --socket PATH`: the engine with a real guest in Node, serving the Docker Engine API
// on a unix socket so the stock docker CLI can talk to it (DOCKER_HOST=unix://PATH).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CredentialStore } from '../engine/api/auth-store.ts';
import { createEngineApi } from '../engine/api/engine-api.ts';
import { dockerCli } from '../engine/cli/docker-cli.ts';
import { DEFAULT_FACTS, type SystemFacts } from '../engine/api/system-info.ts';
import { guestFsFromShare } from '../engine/guest-fs-share.ts';
import { openImagesService } from '../engine/images-service.ts';
import { withoutLibraryPrefix } from '../engine/registry-client.ts';
import { ShimSessions } from '../vm/channel/shim-sessions.ts';
import { startNodeMachine } from '../vm/node-machine.ts';
import { nodeHandler } from './node-http-adapter.ts';
import { serveStaticFiles } from './static-files.ts';
import { DirBlobBackend } from './store-backend-dir.ts';

const PUBLIC = resolve(import.meta.dirname, '../../public');

const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    store: { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
  },
});
if (!values.socket) {
  console.error('usage: npm run engine:serve -- --socket PATH [--store DIR] [--verbose]');
  process.exit(2);
}
const socket = resolve(values.socket);
const storeDir = values.store ? resolve(values.store) : mkdtempSync(join(tmpdir(), 'drydock-store-'));

const registry = await serveStaticFiles(PUBLIC);
const machine = await startNodeMachine({ onLog: (line) => values.verbose && console.error(`[machine] ${line}`) });
const facts = await guestFacts();
const credentials = new CredentialStore();
// The static registry lays official images out as v2/busybox/..., not v2/library/busybox/...
const flat = !existsSync(join(PUBLIC, 'registry/v2/library'));
const service = await openImagesService({
  fetch,
  backend: new DirBlobBackend(storeDir),
  registries: { 'docker.io': flat ? { baseUrl: `${registry.url}/registry`, repositoryPath: withoutLibraryPrefix } : `${registry.url}/registry` },
  credentials: credentials.lookup,
  fs: guestFsFromShare(machine.share),
});
const api = createEngineApi({ service, credentials, fetch, system: facts });
// `docker ...` typed in the guest reaches the same engine through its shim.
const shims = new ShimSessions(machine.agent, dockerCli({ api }), { onError: (e) => values.verbose && console.error(`[shim] ${e.message}`) });

const server = createServer(nodeHandler(api, (method, url, status) => values.verbose && console.error(`${method} ${url} -> ${status}`)));
if (existsSync(socket)) rmSync(socket);
await new Promise<void>((ok) => server.listen(socket, ok));
console.log(`listening on ${socket}`);

async function guestFacts(): Promise<SystemFacts> {
  const r = await machine.agent.exec(['sh', '-c', 'uname -r; uname -n; grep MemTotal /proc/meminfo; grep -c ^processor /proc/cpuinfo'], { timeoutMs: 10_000 });
  const [kernel = DEFAULT_FACTS.kernelVersion, name = DEFAULT_FACTS.name, mem = '', cpus = '1'] = new TextDecoder().decode(r.stdout).trim().split('\n');
  const kb = Number(/(\d+)/.exec(mem)?.[1] ?? 0);
  return { ...DEFAULT_FACTS, kernelVersion: kernel, name, ncpu: Number(cpus) || 1, memTotal: kb ? kb * 1024 : DEFAULT_FACTS.memTotal };
}

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  server.close();
  server.closeAllConnections();
  shims.dispose();
  await Promise.allSettled([machine.destroy(), registry.close()]);
  if (existsSync(socket)) rmSync(socket);
  if (!values.store) rmSync(storeDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
