// The stock docker 28 CLI and drydock's CLI against the same engine state (the Engine API router on a unix
// socket, a fake network driver, containers marked running the way the daemon (daemon/start.ts) does after the runtime):
// every network command, `docker port`, the PORTS column, inspect and create's network errors print the same.
// The guest is not involved; test/integration/engine-serve.test.ts does the same against a real one.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unixSocketApi } from '../../node-backends/unix-socket-api.ts';
import { nodeHandler } from '../../node-backends/node-http-adapter.ts';
import { CredentialStore } from '../api/auth-store.ts';
import { createEngineApi, type EngineApi } from '../api/engine-api.ts';
import { dockerCli } from '../cli/docker-cli.ts';
import { MemorySession } from '../cli/memory-session.ts';
import type { ImageForCreate } from '../containers/container-create.ts';
import { ContainerStore } from '../containers/container-store.ts';
import { createContainersApi } from '../containers/containers-api.ts';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { LogStore } from '../containers/log-store.ts';
import { VolumeStore } from '../containers/volume-store.ts';
import { EngineError } from '../errors.ts';
import { openImagesService } from '../images/images-service.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';
import { ContainerNetworking } from './container-networking.ts';
import type { NetworkDriver } from './endpoint.ts';
import { createNetworkApi } from './network-api.ts';
import { NetworkStore } from './network-store.ts';

const DOCKER = '/usr/local/bin/docker';
const run = promisify(execFile);

const IMAGES: Record<string, ImageForCreate> = {
  busybox: { id: `sha256:${'0'.repeat(64)}`, name: 'busybox', config: { Cmd: ['sh'] }, lowerDirs: ['/mnt/host/layers/aa'] },
  nginx: { id: `sha256:${'1'.repeat(64)}`, name: 'nginx', config: { Cmd: ['nginx'], ExposedPorts: { '80/tcp': {} } }, lowerDirs: ['/mnt/host/layers/bb'] },
};

const quiet: NetworkDriver = {
  ensureNetwork: async () => {},
  removeNetwork: async () => {},
  publish: async () => {},
  unpublish: async () => {},
  attach: async () => {},
  detach: async () => {},
  setDnsView: async () => {},
  forgetContainer: async () => {},
  forgetGuest: () => {},
};

// Each case starts the stock CLI a dozen times (~0.1 s each when idle, seconds on a loaded 2-core machine).
describe.skipIf(!existsSync(DOCKER))('stock docker CLI and drydock\'s CLI print the same for networks and ports', { timeout: 60_000 }, () => {
  let dir: string;
  let socket: string;
  let server: Server;
  let api: EngineApi;
  let containers: ContainerStore;
  let networking: ContainerNetworking;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-net-cli-'));
    socket = join(dir, 'engine.sock');
    containers = await ContainerStore.open(new MemoryJsonStorage());
    const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: (n) => containers.usingVolume(n) });
    const networks = await NetworkStore.open(new MemoryJsonStorage());
    networking = await ContainerNetworking.open({ networks, containers, driver: quiet });
    const credentials = new CredentialStore();
    const service = await openImagesService({ fetch, backend: new MemoryBlobBackend(), credentials: credentials.lookup });
    api = createEngineApi({
      service,
      credentials,
      subRouters: [
        createNetworkApi({ networks, networking }),
        createContainersApi({
          containers,
          volumes,
          logs: new LogStore(),
          networks: { findNetwork: (t) => networks.find(t) },
          image: async (ref) => {
            const image = IMAGES[ref];
            if (!image) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
            return image;
          },
        }),
      ],
    });
    server = createServer(nodeHandler(api));
    await new Promise<void>((ok) => server.listen(socket, ok));
  });
  afterAll(async () => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const theirs = async (...args: string[]) => {
    try {
      const r = await run(DOCKER, args, { env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config') }, timeout: 60_000 });
      return { status: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { status: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
    }
  };
  const ours = async (...args: string[]) => {
    const session = new MemorySession(args);
    await dockerCli({ api: unixSocketApi(socket) })(session);
    return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
  };
  const same = async (...args: string[]) => {
    const t = await theirs(...args);
    const o = await ours(...args);
    expect({ args, ...o }).toEqual({ args, ...t });
    return t;
  };
  /** what the daemon (daemon/start.ts) does once the runtime has PID 1 */
  const start = async (ref: string, pid: number) => {
    const record = containers.get(ref);
    await networking.prepare(record);
    await networking.started(containers.get(record.id), pid);
    await containers.markStarted(record.id, pid);
  };

  it('network create, ls, inspect, rm, prune', async () => {
    // creating changes the engine: each CLI creates its own and the outputs are compared in shape
    const a = await theirs('network', 'create', 'front');
    const b = await ours('network', 'create', 'back', '--subnet', '10.20.0.0/24', '--label', 'tier=db', '--internal');
    expect(a).toMatchObject({ status: 0, out: expect.stringMatching(/^[0-9a-f]{64}\n$/) });
    expect(b).toMatchObject({ status: 0, out: expect.stringMatching(/^[0-9a-f]{64}\n$/) });
    await same('network', 'ls');
    await same('network', 'ls', '-q');
    await same('network', 'ls', '--no-trunc');
    await same('network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Internal}} {{.IPv4}} {{.IPv6}} {{.Labels}}');
    await same('network', 'ls', '--format', 'json');
    await same('network', 'ls', '--filter', 'driver=bridge', '--filter', 'name=b');
    await same('network', 'ls', '-f', 'type=custom', '--format', 'table {{.Name}}\t{{.Scope}}');
    await same('network', 'ls', '-f', 'label=tier=db', '-q');
    await same('network', 'ls', '-f', 'colour=red');
    await same('network', 'inspect', 'bridge');
    await same('network', 'inspect', 'back', 'front', 'none');
    await same('network', 'inspect', '--format', '{{.Name}} {{json .IPAM}} {{.Internal}}', 'back');
    await same('network', 'inspect', 'nosuch');
    await same('network', 'create', 'front');
    await same('network', 'create', 'host');
    await same('network', 'create', 'x', '--subnet', '10.20.0.128/25');
    await same('network', 'create', 'x', '--subnet', '10.21.0.1/24');
    await same('network', 'create', 'x', '--gateway', '10.0.0.1');
    await same('network', 'create', 'x', '--subnet', '10.22.0.0/24', '--gateway', '10.23.0.1');
    await same('network', 'create', 'x', '--label', '=x');
    await same('network', 'rm', 'bridge', 'nosuch');
    await same('network', 'rm', '-f', 'nosuch');
  });

  it('containers on networks: ps PORTS, docker port, inspect, connect and disconnect', async () => {
    await ours('create', '--name', 'web', '-p', '8080:80', '-p', '127.0.0.1::443', '--expose', '9000-9001', 'nginx');
    await ours('create', '--name', 'api', '--network', 'front', '--network-alias', 'backend', '-P', 'nginx');
    await ours('create', '--name', 'idle', '-p', '7000:70', 'busybox');
    await start('web', 101);
    await start('api', 102);
    await same('ps', '--format', 'table {{.Names}}\t{{.Ports}}\t{{.Networks}}');
    await same('ps', '-a', '--format', '{{.Names}}: {{.Ports}}');
    await same('port', 'web');
    await same('port', 'web', '80');
    await same('port', 'web', '443/tcp');
    await same('port', 'web', '9000');
    await same('port', 'web', 'http');
    await same('port', 'api');
    await same('port', 'idle');
    await same('port', 'nope');
    await same('inspect', '--format', '{{json .NetworkSettings.Ports}} {{.NetworkSettings.IPAddress}} {{json .HostConfig.PortBindings}}', 'web');
    await same('container', 'inspect', '--format', '{{json .NetworkSettings.Networks}}', 'api');
    await same('inspect', '--format', '{{json .Config.ExposedPorts}} {{.HostConfig.NetworkMode}}', 'idle');
    await same('network', 'inspect', '--format', '{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}}{{end}}', 'front');
    await same('network', 'rm', 'front');
    await same('network', 'connect', 'front', 'idle');
    await same('network', 'connect', 'front', 'api');
    await same('network', 'connect', 'host', 'web');
    await same('network', 'disconnect', 'back', 'web');
    await same('network', 'disconnect', 'front', 'nope');
    // prune changes the engine: the same unused network is there for each CLI
    const pruned = await theirs('network', 'prune', '-f');
    expect(pruned).toEqual({ status: 0, out: 'Deleted Networks:\nback\n\n', err: '' });
    await ours('network', 'create', 'back');
    expect(await ours('network', 'prune', '-f')).toEqual(pruned);
  });

  it("create's network and port errors", async () => {
    const cases = [
      ['-p', 'abc', 'busybox'],
      ['-p', '70000:80', 'busybox'],
      ['-p', '1.2.3:80:80', 'busybox'],
      ['-p', '80/xyz', 'busybox'],
      ['-p', '8080-8082:80-81', 'busybox'],
      ['--expose', '80:90', 'busybox'],
      ['--network-alias', 'x', 'busybox'],
      ['--network', 'a', '--network', 'host', 'busybox'],
      ['--link', 'a:b:c', 'busybox'],
      ['--link', 'nope:x', 'busybox'],
      ['--mac-address', 'zz', 'busybox'],
      ['--mac-address', '02:42:ac:11:00:09', 'busybox'],
      ['--ip', '172.17.0.9', 'busybox'],
      ['--network', 'host', '-p', '80:80', '--name', 'hostweb', 'busybox'],
      ['--network', 'container:web', '-p', '80', 'busybox'],
      ['--network', 'back', '--ip', '10.99.0.1', 'busybox'],
    ];
    for (const c of cases) {
      const t = await theirs('create', ...c);
      // a create that succeeded is removed so the other CLI starts from the same state
      if (t.status === 0) await theirs('rm', t.out.trim());
      const o = await ours('create', ...c);
      if (o.status === 0) await ours('rm', o.out.trim());
      expect({ c, ...o, out: o.out.replace(/[0-9a-f]{64}/, 'ID') }).toEqual({ c, ...t, out: t.out.replace(/[0-9a-f]{64}/, 'ID') });
    }
  });

  it('run and create: reference, -v, --restart and --hostname errors, and exit statuses', async () => {
    const cases = [
      ['BUSYBOX', 'true'],
      ['busybox@sha256:bad', 'true'],
      [`busybox:${'a'.repeat(300)}`, 'true'],
      ['-v', ':/x', 'busybox'],
      ['-v', '/a:/b:ro:z', 'busybox'],
      ['--restart', 'bogus', 'busybox'],
      ['--restart', 'always:3', 'busybox'],
      ['--restart', ':1', 'busybox'],
      ['--restart', 'on-failure:x', 'busybox'],
      ['--rm', '--restart', 'always', 'busybox'],
      ['--hostname', 'h'.repeat(65), 'busybox'],
    ];
    for (const command of ['run', 'create']) {
      for (const c of cases) expect(await ours(command, ...c), `docker ${command} ${c.join(' ')}`).toEqual(await theirs(command, ...c));
    }
  }, 60_000);
});
