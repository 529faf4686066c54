import { describe, expect, it } from 'vitest';
import { bundleFiles } from './bundle.ts';
import { createContainer, type ImageForCreate } from './container-create.ts';
import { pruneContainers, waitContainer } from './container-ops.ts';
import { ContainerStore } from './container-store.ts';
import { verifyCreateRequest } from './create-config.ts';
import { MemoryJsonStorage } from './json-storage.ts';
import { LogStore } from './log-store.ts';
import { createConfigFor } from '../../../test/unit/engine/run-line.ts';
import { VolumeStore } from './volume-store.ts';

const BUSYBOX: ImageForCreate = {
  id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  name: 'busybox',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  lowerDirs: ['/mnt/host/layers/aa11'],
};

const request = (argv: string[]) => createConfigFor(argv, '/root');

async function setup() {
  const containers = await ContainerStore.open(new MemoryJsonStorage());
  const volumes = await VolumeStore.open(new MemoryJsonStorage(), { usedBy: (n) => containers.usingVolume(n) });
  const logs = new LogStore();
  return { containers, volumes, logs };
}

describe("a create body checked as dockerd checks it", () => {
  it('API clients: no NetworkMode means the default bridge; port bindings checked like dockerd', () => {
    expect(verifyCreateRequest({ Image: 'busybox' }).HostConfig.NetworkMode).toBe('bridge');
    expect(verifyCreateRequest({ Image: 'busybox', HostConfig: { NetworkMode: 'default' }, NetworkingConfig: { EndpointsConfig: { default: { Aliases: ['x'] } } } }).NetworkingConfig.EndpointsConfig).toEqual({ bridge: { Aliases: ['x'] } });
    expect(() => verifyCreateRequest({ Image: 'busybox', HostConfig: { PortBindings: { 'x/tcp': [] } } })).toThrow('invalid port specification: "x"');
    expect(() => verifyCreateRequest({ Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: 'y' }] } } })).toThrow('invalid port specification: "y"');
    expect(() => verifyCreateRequest({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } })).toThrow('Container cannot be created with multiple network endpoints: a, b');
    expect(() => verifyCreateRequest({ Image: '' })).toThrow('No image was specified');
    expect(() => verifyCreateRequest({ Image: 'busybox' }, { name: 'a b' })).toThrow('Invalid container name (a b)');
  });

  it("the daemon's restart policy and hostname checks (moby's words)", () => {
    const restart = (Name: string, MaximumRetryCount = 0, AutoRemove = false) => () => verifyCreateRequest({ Image: 'busybox', HostConfig: { RestartPolicy: { Name, MaximumRetryCount }, AutoRemove } });
    expect(restart('bogus')).toThrow("invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
    expect(restart('always', 3)).toThrow("invalid restart policy: maximum retry count can only be used with 'on-failure'");
    expect(restart('no', -1)).toThrow("invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative");
    expect(restart('on-failure', -1)).toThrow('invalid restart policy: maximum retry count cannot be negative');
    expect(restart('bogus', 0, true)).toThrow("can't create 'AutoRemove' container with restart policy");
    expect(verifyCreateRequest({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } }).HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(verifyCreateRequest({ Image: 'busybox', Hostname: 'h'.repeat(64) }).Config.Hostname).toBe('h'.repeat(64));
    expect(() => verifyCreateRequest({ Image: 'busybox', Hostname: 'h'.repeat(65) })).toThrow(`hostname "${'h'.repeat(65)}" is too long (maximum 64 bytes)`);
  });
});

describe('bundle files', () => {
  it('config.json and /etc files for a container; unknown user refused', async () => {
    const s = await setup();
    const c = await createContainer(s, await request(['-u', 'nobody', 'busybox']), BUSYBOX);
    const bundle = bundleFiles(c, { passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n', group: 'root:x:0:\n' });
    expect(JSON.parse(bundle.files['config.json'])).toEqual(bundle.spec);
    expect(bundle.spec.process.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
    expect(bundle.spec.root).toEqual({ path: `/var/lib/drydock/containers/${c.id}/rootfs` });
    expect(bundle.files.hostname).toBe(`${c.id.slice(0, 12)}\n`);
    const bad = await createContainer(s, await request(['-u', 'alice', 'busybox']), BUSYBOX);
    expect(() => bundleFiles(bad, { passwd: 'root:x:0:0:root:/root:/bin/sh\n' })).toThrow('unable to find user alice: no matching entries in passwd file');
  });
});

describe('prune and wait', () => {
  it('prune removes stopped containers, their anonymous volumes and logs; keeps running ones and named volumes', async () => {
    const s = await setup();
    const run = await createContainer(s, await request(['busybox']), BUSYBOX);
    const done = await createContainer(s, await request(['-v', '/anon', '-v', 'keep:/keep', 'busybox']), BUSYBOX);
    await s.containers.markStarted(run.id, 1);
    s.logs.append(done.id, 'stdout', 'bye\n');
    expect(await pruneContainers(s)).toEqual([done.id]);
    expect(s.containers.list().map((r) => r.id)).toEqual([run.id]);
    expect(s.volumes.list().map((v) => v.Name)).toEqual(['keep']);
    await pruneContainers({ ...s, logs: s.logs });
    expect(s.logs.read(done.id)).toEqual([]);
  });

  it('wait: at once when stopped, on exit when running, on removal; abort', async () => {
    const s = await setup();
    const c = await createContainer(s, await request(['busybox']), BUSYBOX);
    await s.containers.markStarted(c.id, 1);
    const waiting = waitContainer(s.containers, c.id);
    await s.containers.markExited(c.id, { exitCode: 7 });
    expect(await waiting).toEqual({ StatusCode: 7 });
    expect(await waitContainer(s.containers, c.id)).toEqual({ StatusCode: 7 });
    const removed = waitContainer(s.containers, c.id, 'removed');
    await s.containers.remove(c.id);
    expect(await removed).toEqual({ StatusCode: 7 });
    const d = await createContainer(s, await request(['busybox']), BUSYBOX);
    const abort = new AbortController();
    const aborted = waitContainer(s.containers, d.id, 'next-exit', abort.signal);
    abort.abort();
    await expect(aborted).rejects.toThrow('wait aborted');
  });
});
