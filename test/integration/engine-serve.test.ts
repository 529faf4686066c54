// The stock docker CLI on this machine against `npm run engine:serve`: the Engine API router on a unix
// socket, a real guest, the static registry from public/registry. Proves compatibility with a real client.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../emulator/engine/api/auth-store.ts';
import { createEngineApi } from '../../emulator/engine/api/engine-api.ts';
import { dockerCli } from '../../emulator/engine/cli/docker-cli.ts';
import { guestFsFromShare } from '../../emulator/engine/overlay/guest-fs-share.ts';
import { openImagesService } from '../../emulator/engine/images/images-service.ts';
import { withoutLibraryPrefix } from '../../emulator/engine/registry/registry-client.ts';
import { MemoryBlobBackend } from '../../emulator/engine/store/store-backend-memory.ts';
import { serveStaticFiles } from '../../emulator/node-backends/static-files.ts';
import { ShimSessions } from '../../emulator/vm/channel/shim-sessions.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { startEngineServe, type EngineServeProcess } from './engine-serve-process.ts';
import { restoreGuest } from './guest.ts';
import { MemorySession } from '../../emulator/engine/cli/memory-session.ts';
import { unixSocketApi } from '../../emulator/node-backends/unix-socket-api.ts';

const DOCKER = '/usr/local/bin/docker';
/** Debian's docker-compose 1.29 (`apt-get install docker-compose`), a Python client of the Engine API */
const COMPOSE = '/usr/bin/docker-compose';
const ROOT = resolve(import.meta.dirname, '../..');
const built = existsSync(resolve(ROOT, 'public/registry/v2/busybox')) || existsSync(resolve(ROOT, 'public/registry/v2/library/busybox'));
const run = promisify(execFile);

describe.skipIf(!existsSync(DOCKER) || !built)(`stock docker CLI (${DOCKER}) against engine:serve`, () => {
  let engine: EngineServeProcess;
  beforeAll(async () => {
    engine = await startEngineServe('drydock-serve-');
  });
  afterAll(async () => {
    await engine?.stop();
  });

  const docker = async (...args: string[]) => {
    try {
      const r = await run(DOCKER, args, { env: engine.env(), timeout: 120_000 });
      return { status: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { status: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
    }
  };

  it('docker version negotiates API 1.43 and shows the drydock engine', async () => {
    const r = await docker('version');
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/API version:\s+1\.43 \(downgraded from 1\.\d+\)/);
    expect(r.out).toMatch(/Server: drydock\n Engine:\n  Version:\s+0\.1\.0\n  API version:\s+1\.43 \(minimum version 1\.24\)/);
    expect(r.out).toMatch(/OS\/Arch:\s+linux\/386/);
    expect(engine.log()).toMatch(/HEAD \/_ping -> 200|GET \/_ping -> 200/);
  });

  it('images is empty, pull busybox prints Docker progress, then images lists it', async () => {
    const empty = await docker('images');
    expect(empty.out).toBe('REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
    const pull = await docker('pull', 'busybox');
    expect(pull.status, pull.err).toBe(0);
    expect(pull.out).toMatch(/^Using default tag: latest\nlatest: Pulling from library\/busybox\n[0-9a-f]{12}: Pulling fs layer\n/);
    expect(pull.out).toMatch(/[0-9a-f]{12}: Pull complete\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
    const images = await docker('images');
    expect(images.out).toMatch(/^REPOSITORY   TAG       IMAGE ID       CREATED\s+SIZE\nbusybox      latest    [0-9a-f]{12}   .+ ago\s+\d+(\.\d+)?[kM]B\n$/);
    const filtered = await docker('images', 'busybox', '--format', '{{.Repository}}:{{.Tag}}');
    expect(filtered.out).toBe('busybox:latest\n');
  });

  it('image inspect and history of busybox', async () => {
    const inspect = await docker('image', 'inspect', 'busybox');
    expect(inspect.status, inspect.err).toBe(0);
    const [image] = JSON.parse(inspect.out) as { Id: string; RepoTags: string[]; Architecture: string; Os: string; RootFS: { Layers: string[] } }[];
    expect(image?.RepoTags).toEqual(['busybox:latest']);
    expect(image).toMatchObject({ Architecture: '386', Os: 'linux' });
    expect(image?.RootFS.Layers.length).toBeGreaterThan(0);
    const format = await docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}} {{json .RepoTags}}', 'busybox');
    expect(format.out).toBe('linux/386 ["busybox:latest"]\n');
    const history = await docker('history', 'busybox');
    const lines = history.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(lines[1]).toMatch(new RegExp(`^${image?.Id.slice(7, 19)}   `));
    expect(lines.slice(2).every((l) => l.startsWith('<missing>'))).toBe(true);
  });

  it('tag and rmi: Untagged lines like Docker, errors as "Error response from daemon"', async () => {
    expect((await docker('tag', 'busybox', 'me/bb:1')).status).toBe(0);
    expect((await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).out.split('\n').sort()).toEqual(['', 'busybox:latest', 'me/bb:1']);
    const rmi = await docker('rmi', 'me/bb:1');
    expect(rmi).toMatchObject({ status: 0, out: 'Untagged: me/bb:1\n' });
    const missing = await docker('rmi', 'me/bb:1');
    expect(missing.status).toBe(1);
    expect(missing.err).toBe('Error response from daemon: No such image: me/bb:1\n');
    const nope = await docker('pull', 'nosuchimage');
    expect(nope.status).toBe(1);
    expect(nope.err).toMatch(/^Error response from daemon: /);
  });

  it("drydock's own CLI prints what the stock CLI prints, against the same engine", async () => {
    const drydock = async (...args: string[]) => {
      const session = new MemorySession(args);
      await dockerCli({ api: unixSocketApi(engine.socket) })(session);
      return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
    };
    await docker('tag', 'busybox', 'me/bb:2');
    const same: string[][] = [
      ['images'],
      ['images', '--digests'],
      ['images', '-q', '--no-trunc'],
      ['images', '--format', 'json'],
      ['images', 'b*', '--format', 'table {{.ID}}\\t{{.Repository}}'],
      ['history', 'busybox'],
      ['history', '--no-trunc', '-H=false', 'busybox'],
      ['history', '--format', 'json', 'busybox'],
      ['image', 'inspect', 'busybox'],
      ['inspect', '--format', '{{json .Config}} {{.Config.Labels}} {{.Size}}', 'busybox'],
      ['inspect', 'nope'],
      ['system', 'df'],
      ['pull', 'busybox'],
      ['pull', 'nosuchimage'],
      ['rmi', 'nope', 'me/bb:2'],
      ['image', 'ls', '--bogus'],
      ['tag', 'busybox'],
    ];
    for (const args of same) {
      // rmi changes the engine: each client gets the same starting point
      const theirs = await docker(...args);
      if (args[0] === 'rmi') await docker('tag', 'busybox', 'me/bb:2');
      const ours = await drydock(...args);
      // docker walks an image's repositories in Go map order (random): rows of one image may come in any order
      const rows = (out: string) => (args[0] === 'images' ? out.split('\n').sort().join('\n') : out);
      expect({ args, ...ours, out: rows(ours.out) }).toEqual({ args, status: theirs.status, out: rows(theirs.out), err: theirs.err });
    }
  });

  it('push to the in-browser registry (localhost:5000), rmi, pull back the same digest', async () => {
    expect((await docker('tag', 'busybox', 'localhost:5000/me/bb:1')).status).toBe(0);
    // pushing needs a login (the registry says 401 to an anonymous push)
    const anonymous = await docker('push', 'localhost:5000/me/bb:1');
    expect(anonymous.status).toBe(1);
    expect(anonymous.err).toContain('unauthorized: authentication required');
    expect((await docker('login', '-u', 'tester', '-p', 'pw', 'localhost:5000')).status).toBe(0);
    const push = await docker('push', 'localhost:5000/me/bb:1');
    expect(push.status, push.err).toBe(0);
    expect(push.out).toMatch(/^The push refers to repository \[localhost:5000\/me\/bb\]\n/);
    const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+\n$/.exec(push.out)?.[1];
    expect(digest).toBeDefined();
    // moby's ImageDelete: the repository's last tag gone, its digest reference (recorded by the push) goes too
    expect((await docker('rmi', 'localhost:5000/me/bb:1')).out).toBe(`Untagged: localhost:5000/me/bb:1\nUntagged: localhost:5000/me/bb@${digest}\n`);
    const pull = await docker('pull', 'localhost:5000/me/bb:1');
    expect(pull.out).toContain(`Digest: ${digest}\n`);
    expect((await docker('rmi', 'localhost:5000/me/bb:1')).status).toBe(0);
  });

  const drydockCli = async (...args: string[]) => {
    const session = new MemorySession(args);
    await dockerCli({ api: unixSocketApi(engine.socket) })(session);
    return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
  };
  /** both CLIs on the same engine state, for commands that read it */
  const same = async (...args: string[]) => {
    const theirs = await docker(...args);
    const ours = await drydockCli(...args);
    expect({ args, ...ours }).toEqual({ args, ...theirs });
    return theirs;
  };

  it('networks: ls, inspect, create, rm, errors, as the stock CLI prints them', async () => {
    await same('network', 'ls');
    await same('network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.Internal}}');
    await same('network', 'inspect', 'bridge', 'host', 'none');
    const front = await docker('network', 'create', '--label', 'course=net', 'front');
    expect(front.out).toMatch(/^[0-9a-f]{64}\n$/);
    const back = await drydockCli('network', 'create', '--subnet', '10.30.0.0/24', '--internal', 'back');
    expect(back.out).toMatch(/^[0-9a-f]{64}\n$/);
    await same('network', 'ls', '-f', 'type=custom');
    await same('network', 'inspect', 'front', 'back');
    await same('network', 'inspect', '--format', '{{.Name}} {{json .IPAM.Config}} {{.Internal}} {{json .Labels}}', 'front', 'back');
    await same('network', 'create', 'front');
    await same('network', 'create', '--subnet', '10.30.0.128/25', 'other');
    await same('network', 'rm', 'bridge', 'nosuch');
    await same('network', 'inspect', 'nosuch');
  });

  it('containers on networks: addresses, /etc files, ports, connect and disconnect, as both CLIs print them', async () => {
    // state-changing commands through the stock CLI; what they made read back by both
    const web = await docker('run', '-d', '--name', 'web', '--network', 'front', '--network-alias', 'www', 'busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf; exec sleep 600');
    expect(web.status, web.err).toBe(0);
    const side = await docker('run', '-d', '--name', 'side', 'busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf; exec sleep 600');
    expect(side.status, side.err).toBe(0);
    // without the guest's network driver a published port is refused at start; with it, it is published
    const pub = await docker('run', '-d', '--name', 'pub', '-p', '8080:80', '-p', '127.0.0.1::443', 'busybox', 'httpd', '-f');
    expect(pub.out).toMatch(/^[0-9a-f]{64}\n$/);
    if (pub.status !== 0) expect(pub.err).toContain("failed to set up container networking: publishing ports needs the guest's network driver");
    const logs = async (name: string) => {
      for (const d = Date.now(); Date.now() - d < 60_000; ) {
        const r = await docker('logs', name);
        if (r.out.includes('# Overrides: []')) return r.out;
        await new Promise((ok) => setTimeout(ok, 200));
      }
      throw new Error(`no output from ${name}`);
    };
    const webId = (await docker('inspect', '-f', '{{.Id}}', 'web')).out.trim();
    expect(await logs('web')).toContain(`172.18.0.2\t${webId.slice(0, 12)}\n# Generated by Docker Engine.\n`);
    expect(await logs('web')).toContain("nameserver 127.0.0.11\noptions ndots:0\n\n# Based on host file: '/etc/resolv.conf' (internal resolver)\n# ExtServers: [host(192.168.86.1)]\n");
    expect(await logs('side')).toContain("nameserver 192.168.86.1\n\n# Based on host file: '/etc/resolv.conf' (legacy)\n# Overrides: []\n");

    await same('ps', '-a', '--format', 'table {{.Names}}\t{{.Ports}}\t{{.Networks}}');
    await same('port', 'pub');
    await same('port', 'pub', '80');
    await same('port', 'web', '80');
    await same('inspect', '--format', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}} {{.State.Error}}', 'web', 'side', 'pub');
    await same('inspect', '--format', '{{range $n, $e := .NetworkSettings.Networks}}{{$n}} {{$e.IPAddress}}/{{$e.IPPrefixLen}} gw {{$e.Gateway}} {{json $e.Aliases}} {{json $e.DNSNames}}{{end}}', 'web', 'side');
    await same('network', 'inspect', '--format', '{{range $id, $c := .Containers}}{{$c.Name}} {{$c.IPv4Address}} {{end}}', 'front', 'bridge');
    await same('network', 'rm', 'front');

    expect((await docker('network', 'connect', '--alias', 'svc', 'front', 'side')).status).toBe(0);
    await same('inspect', '--format', '{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}} {{end}}', 'side');
    await same('network', 'connect', 'front', 'side');
    expect((await docker('network', 'disconnect', 'front', 'side')).status).toBe(0);
    await same('network', 'disconnect', 'front', 'side');
    await same('inspect', '--format', '{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}} {{end}}', 'side');

    // stopped: the addresses and ports are given back, as dockerd clears them
    expect((await docker('rm', '-f', 'web', 'side', 'pub')).status).toBe(0);
    await same('network', 'inspect', '--format', '{{len .Containers}}', 'front', 'bridge');
    expect(await docker('network', 'prune', '-f')).toEqual({ status: 0, out: 'Deleted Networks:\nfront\nback\n\n', err: '' });
    await same('network', 'prune', '-f');
    await same('network', 'ls');
  });

  it.skipIf(!existsSync(COMPOSE))("docker-compose 1.29 (Debian's) brings a two-service project up and down", async () => {
    const project = join(engine.dir, 'shop');
    mkdirSync(project);
    writeFileSync(
      join(project, 'docker-compose.yml'),
      'version: "3.8"\nservices:\n  web:\n    image: busybox\n    command: httpd -f -p 80\n    ports:\n      - "8080:80"\n    labels:\n      tier: front\n  db:\n    image: busybox\n    command: sleep 600\n',
    );
    const compose = async (...args: string[]) => {
      try {
        const r = await run(COMPOSE, args, { cwd: project, env: engine.env(), timeout: 300_000 });
        return { status: 0, out: r.stdout, err: r.stderr };
      } catch (e) {
        const x = e as { code?: number; stdout?: string; stderr?: string };
        return { status: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
      }
    };
    const up = await compose('up', '-d');
    expect(up.err).toContain('Creating network "shop_default" with the default driver');
    const network = JSON.parse((await docker('network', 'inspect', 'shop_default')).out) as { Labels: Record<string, string>; IPAM: { Config: { Subnet: string }[] } }[];
    expect(network[0]?.Labels).toMatchObject({ 'com.docker.compose.network': 'default', 'com.docker.compose.project': 'shop' });
    const ps = await docker('ps', '-a', '--filter', 'label=com.docker.compose.project=shop', '--format', '{{.Names}} {{.State}} {{.Networks}} {{.Label "com.docker.compose.service"}} {{.Label "tier"}}');
    const rows = ps.out.split('\n').filter(Boolean).sort();
    expect(rows[0]).toBe('shop_db_1 running shop_default db ');
    const aliases = await docker('inspect', '-f', '{{json .NetworkSettings.Networks.shop_default.Aliases}} {{json .HostConfig.PortBindings}}', 'shop_web_1');
    expect(aliases.out).toMatch(/^\["web","[0-9a-f]{12}"\] \{"80\/tcp":\[\{"HostIp":"","HostPort":"8080"\}\]\}\n$/);
    if (up.status === 0) {
      // with the guest's network driver: the port is published
      expect(rows[1]).toBe('shop_web_1 running shop_default web front');
      expect((await docker('port', 'shop_web_1')).out).toBe('80/tcp -> 0.0.0.0:8080\n');
    } else {
      // without it: the API conversation went through, the start of `web` was refused with the reason
      expect(rows[1]).toBe('shop_web_1 created shop_default web front');
      expect(up.err).toContain("Cannot start service web: failed to set up container networking: publishing ports needs the guest's network driver");
    }
    const down = await compose('down');
    expect(down.status, down.err).toBe(0);
    expect(down.err).toContain('Removing network shop_default');
    expect((await docker('network', 'ls', '--format', '{{.Name}}')).out).not.toContain('shop_default');
  });

  it('system df and info answer', async () => {
    const df = await docker('system', 'df');
    expect(df.out).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+0\s+/);
    const info = await docker('info', '--format', '{{.OSType}} {{.Architecture}} {{.Images}}');
    expect(info.out).toBe('linux i686 1\n');
  });
});

describe.skipIf(!built)('docker typed in the guest (the shim) runs the CLI against the engine', () => {
  let machine: Machine;
  let registry: Awaited<ReturnType<typeof serveStaticFiles>>;
  let shims: ShimSessions;

  beforeAll(async () => {
    registry = await serveStaticFiles(resolve(ROOT, 'public'));
    machine = await restoreGuest();
    const credentials = new CredentialStore();
    const flat = !existsSync(resolve(ROOT, 'public/registry/v2/library'));
    const base = `${registry.url}/registry`;
    const service = await openImagesService({
      fetch,
      backend: new MemoryBlobBackend(),
      registries: { 'docker.io': flat ? { baseUrl: base, repositoryPath: withoutLibraryPrefix } : base },
      credentials: credentials.lookup,
      fs: guestFsFromShare(machine.share),
    });
    shims = new ShimSessions(machine.agent, dockerCli({ api: createEngineApi({ service, credentials, fetch }) }));
  });
  afterAll(async () => {
    shims?.dispose();
    await machine?.destroy();
    await registry?.close();
  });

  const guest = async (script: string) => {
    const r = await machine.agent.exec(['sh', '-c', script], { timeoutMs: 60_000 });
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { status: r.exitCode, out: text(r.stdout), err: text(r.stderr) };
  };

  it('pull, images, history, rmi and errors, with exit statuses', async () => {
    const pull = await guest('docker pull busybox');
    expect(pull.status, pull.err).toBe(0);
    expect(pull.out).toMatch(/Status: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
    const images = await guest('docker images');
    expect(images.out).toMatch(/^REPOSITORY   TAG       IMAGE ID       CREATED\s+SIZE\nbusybox      latest    [0-9a-f]{12}   /);
    expect((await guest('docker history -q busybox')).out).toMatch(/^[0-9a-f]{12}\n<missing>\n$/);
    expect(await guest('docker rmi nope')).toMatchObject({ status: 1, err: 'Error response from daemon: No such image: nope\n' });
    expect(await guest('docker save busybox')).toMatchObject({ status: 1, err: expect.stringMatching(/^docker: 'save' is not implemented in drydock yet/) });
    expect(await guest('docker pull --x busybox')).toMatchObject({ status: 125 });
    // the layers were unpacked into the 9p share the guest sees
    const [layer] = (await guest('ls /mnt/host/layers')).out.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
    expect((await guest(`test -x /mnt/host/layers/${layer}/bin/busybox && echo ok`)).out).toBe('ok\n');
  });
});
