// `npm run engine:serve -- --socket PATH`: the engine with a real guest in Node, serving the Docker Engine API
// on a unix socket so the stock docker CLI can talk to it (DOCKER_HOST=unix://PATH).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openEngineHost, probeGuestFacts, staticRegistries } from '../engine/engine-host.ts';
import { GuestNetworkDriver } from '../engine/network/guest-network-driver.ts';
import { guestFsFromShare } from '../engine/overlay/guest-fs-share.ts';
import { ShimSessions } from '../vm/channel/shim-sessions.ts';
import { startNodeMachine } from '../vm/node-machine.ts';
import { nodeHandler, nodeUpgradeHandler } from './node-http-adapter.ts';
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
const facts = await probeGuestFacts(machine.agent);
// The same composition as the browser worker (emulator/engine/engine-host.ts), with directories for stores.
const host = await openEngineHost({
  fetch,
  store: new DirBlobBackend(storeDir),
  registryStore: new DirBlobBackend(join(storeDir, '..', `${basename(storeDir)}-registry`)),
  guestFs: () => guestFsFromShare(machine.share),
  guest: () => machine.agent,
  registries: staticRegistries(`${registry.url}/registry`),
  networkDriver: new GuestNetworkDriver(machine.agent),
  system: facts,
});
const api = host.api;
// `docker ...` typed in the guest reaches the same engine through its shim.
const shims = new ShimSessions(machine.agent, host.cli, { onError: (e) => values.verbose && console.error(`[shim] ${e.message}`) });

const logRequest = (method: string, url: string, status: number) => values.verbose && console.error(`${method} ${url} -> ${status}`);
const server = createServer(nodeHandler(api, logRequest));
// attach and exec start: the docker CLI hijacks the connection (HTTP upgrade to tcp) for the container's streams
server.on('upgrade', nodeUpgradeHandler(api, logRequest));
if (existsSync(socket)) rmSync(socket);
await new Promise<void>((ok) => server.listen(socket, ok));
console.log(`listening on ${socket}`);

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
  if (!values.store) rmSync(`${storeDir}-registry`, { recursive: true, force: true });
  process.exit(0);
}
// A daemon outlives a failed request: a stray rejection is reported (with its stack) instead of ending the engine.
process.on('unhandledRejection', (e) => console.error(`[engine-serve] unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
