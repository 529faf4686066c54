import { describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../oci/oci-types.ts';
import { effectiveCapabilities, DEFAULT_CAPABILITIES } from './capabilities.ts';
import { hostConfigFor, mergeContainerConfig } from './container-config.ts';
import { resolveUser } from './passwd.ts';
import { createConfigFor } from '../../../test/unit/engine/run-line.ts';
import type { ContainerCreateConfig } from '../api/types/container.ts';
import { createMounts } from './create-config.ts';
import { buildRuntimeSpec, defaultContainerPaths, type ResolvedMount } from './spec.ts';
import { specJson } from './runtime-spec.ts';

const ID = '3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
// What drydock's busybox image ships (emulator/image-build/images.ts)
const BUSYBOX: ContainerConfig = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] };
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\nwheel:x:10:root,daemon\nnogroup:x:65534:\n';

const request = (line: string) => createConfigFor(line, '/root');

function configFor(req: ContainerCreateConfig, image: ContainerConfig = BUSYBOX) {
  const mounts = createMounts({ HostConfig: req.HostConfig, Volumes: req.Config.Volumes ?? null });
  return mergeContainerConfig(req, image, { id: ID, imageName: req.Config.Image, hostHostname: 'drydock', mounts, networkMode: req.HostConfig.NetworkMode });
}

async function specFor(line: string, image: ContainerConfig = BUSYBOX) {
  const req = await request(line);
  const config = configFor(req, image);
  const mounts: ResolvedMount[] = createMounts({ HostConfig: req.HostConfig, Volumes: req.Config.Volumes ?? null }).map((v) =>
    v.type === 'bind'
      ? { type: 'bind', source: v.source, destination: v.destination, readOnly: v.readOnly }
      : { type: 'volume', name: v.name ?? 'anon', source: `/var/lib/drydock/volumes/${v.name ?? 'anon'}/_data`, destination: v.destination, readOnly: v.readOnly },
  );
  const hostConfig = hostConfigFor(req.HostConfig, []);
  return buildRuntimeSpec({ id: ID, config, hostConfig, mounts, paths: defaultContainerPaths(ID), passwd: PASSWD, group: GROUP });
}

describe('config.json golden files', () => {
  const cases: [string, string][] = [
    ['busybox-sh', '-it busybox sh'],
    ['user-readonly-capdrop', '-u 1000 --read-only --cap-drop NET_RAW busybox id'],
    ['privileged', '--privileged busybox'],
    ['limits', '--memory 32m --pids-limit 50 --cpus 0.5 busybox'],
    ['host-network-volumes', '--network host -e A=1 -e PATH=/opt/bin -w /srv -v data:/data -v /mnt/host/site:/srv:ro -h web busybox httpd -f'],
  ];
  for (const [name, line] of cases) {
    it(`docker run ${line}`, async () => {
      await expect(specJson(await specFor(line))).toMatchFileSnapshot(`testdata/spec/${name}.config.json`);
    });
  }
});

describe('spec details', () => {
  it('seccomp and devices: Docker\'s profile and device rules by default; --privileged and seccomp=unconfined lift them', async () => {
    const spec = await specFor('busybox');
    expect(spec.linux.seccomp).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86'] });
    expect(spec.linux.resources?.devices?.[0]).toEqual({ allow: false, access: 'rwm' });
    expect((await specFor('--security-opt seccomp=unconfined busybox')).linux.seccomp).toBeUndefined();
    const privileged = await specFor('--privileged busybox');
    expect(privileged.linux.seccomp).toBeUndefined();
    expect(privileged.linux.resources?.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect((await specFor('--security-opt no-new-privileges busybox')).process.noNewPrivileges).toBe(true);
    expect((await specFor('busybox')).process.noNewPrivileges).toBeUndefined();
  });
  it('limits: memory.swap = limit (no swap in the guest), cpu 50000/100000, pids', async () => {
    const spec = await specFor('--memory 32m --pids-limit 50 --cpus 0.5 busybox');
    const { devices, ...limits } = spec.linux.resources!;
    expect(limits).toEqual({ memory: { limit: 33554432, swap: 33554432 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 50 } });
    expect(devices?.[0]).toEqual({ allow: false, access: 'rwm' });
  });
  it('--network host drops the network namespace and takes the host name', async () => {
    const spec = await specFor('--network host busybox');
    expect(spec.linux.namespaces.map((n) => n.type)).toEqual(['mount', 'uts', 'pid', 'ipc', 'cgroup']);
    expect(spec.hostname).toBe('drydock');
    expect(spec.linux.sysctl).toBeUndefined();
  });
  it('default hostname is the short ID, and HOSTNAME is in the env', async () => {
    const spec = await specFor('busybox');
    expect(spec.hostname).toBe(ID.slice(0, 12));
    expect(spec.process.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'HOME=/root']);
  });
  it('env: image Env, then -e replacing; a bare -e KEY unsets; TERM with -t', async () => {
    const spec = await specFor('-t -e LANG -e B=2 -e PATH=/x busybox', { Env: ['PATH=/usr/bin', 'LANG=C.UTF-8', 'A=1'], Cmd: ['sh'] });
    expect(spec.process.env).toEqual(['PATH=/x', `HOSTNAME=${ID.slice(0, 12)}`, 'TERM=xterm', 'B=2', 'A=1', 'HOME=/root']);
  });
  it('entrypoint and cmd combine like Docker', async () => {
    const image: ContainerConfig = { Entrypoint: ['python3', '-m'], Cmd: ['http.server'] };
    expect((await specFor('python', image)).process.args).toEqual(['python3', '-m', 'http.server']);
    expect((await specFor('python json.tool', image)).process.args).toEqual(['python3', '-m', 'json.tool']);
    expect((await specFor('--entrypoint /bin/sh python', image)).process.args).toEqual(['/bin/sh']);
    expect((await specFor('--entrypoint /bin/sh python -c true', image)).process.args).toEqual(['/bin/sh', '-c', 'true']);
    expect((await specFor('--entrypoint= python echo hi', image)).process.args).toEqual(['echo', 'hi']);
    await expect(specFor('--entrypoint= python', image)).rejects.toThrow('no command specified');
    await expect(specFor('scratch', {})).rejects.toThrow('no command specified');
  });
  it('workdir and user from the image unless given', async () => {
    const image: ContainerConfig = { Cmd: ['sh'], WorkingDir: '/app', User: 'daemon' };
    const spec = await specFor('busybox', image);
    expect(spec.process.cwd).toBe('/app');
    expect(spec.process.user).toEqual({ uid: 1, gid: 1, additionalGids: [1, 10] });
    expect((await specFor('-w /tmp -u 0 busybox', image)).process.cwd).toBe('/tmp');
  });
  it('--group-add: names from the image\'s /etc/group or numbers, after the user\'s own groups', async () => {
    const image: ContainerConfig = { Cmd: ['id'], User: 'daemon' };
    expect((await specFor('--group-add 42 --group-add wheel --group-add 42 busybox', image)).process.user).toEqual({ uid: 1, gid: 1, additionalGids: [1, 10, 42, 10] });
    await expect(specFor('--group-add nosuchgroup busybox', image)).rejects.toThrow('Unable to find group nosuchgroup: no matching entries in group file');
  });
  it('--privileged: all 41 capabilities, no masked or read-only paths, /sys and cgroup writable', async () => {
    const spec = await specFor('--privileged busybox');
    expect(spec.process.capabilities?.bounding).toHaveLength(41);
    expect(spec.linux.maskedPaths).toBeUndefined();
    expect(spec.mounts.find((m) => m.destination === '/sys')?.options).not.toContain('ro');
  });
  it('a user mount on /etc/hosts replaces the generated one', async () => {
    const spec = await specFor('-v /mnt/host/hosts:/etc/hosts:ro busybox');
    const hosts = spec.mounts.filter((m) => m.destination === '/etc/hosts');
    expect(hosts).toEqual([{ destination: '/etc/hosts', type: 'bind', source: '/mnt/host/hosts', options: ['rbind', 'ro', 'rprivate'] }]);
  });
  it('--network container:X joins its namespace; links put their variables before the container\'s Env', async () => {
    const req = await request('-e DB_NAME=mine busybox');
    const config = configFor(req);
    const spec = buildRuntimeSpec({
      id: ID, config, hostConfig: { ...hostConfigFor(req.HostConfig, []), NetworkMode: `container:${'b'.repeat(64)}` }, mounts: [], paths: defaultContainerPaths(ID),
      networkNamespacePath: '/proc/42/ns/net', linkEnv: ['DB_PORT=tcp://172.17.0.2:5432', 'DB_NAME=/web/db'],
    });
    expect(spec.linux.namespaces).toContainEqual({ type: 'network', path: '/proc/42/ns/net' });
    // no sysctls for a namespace that is not its own
    expect(spec.linux.sysctl).toBeUndefined();
    expect(spec.process.env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'DB_PORT=tcp://172.17.0.2:5432', 'DB_NAME=mine', 'HOME=/',
    ]);
  });
});

describe('capabilities (moby TweakCapabilities)', () => {
  it('default set is the 14', () => {
    expect(effectiveCapabilities({ capAdd: [], capDrop: [], privileged: false })).toEqual(DEFAULT_CAPABILITIES);
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
  });
  it('drop and add, with or without CAP_, any case', () => {
    const caps = effectiveCapabilities({ capAdd: ['sys_time', 'CAP_NET_ADMIN', 'CHOWN'], capDrop: ['net_raw', 'CAP_KILL'], privileged: false });
    expect(caps).not.toContain('CAP_NET_RAW');
    expect(caps).not.toContain('CAP_KILL');
    expect(caps.slice(-2)).toEqual(['CAP_SYS_TIME', 'CAP_NET_ADMIN']);
    expect(caps).toHaveLength(14);
  });
  it('ALL', () => {
    expect(effectiveCapabilities({ capAdd: [], capDrop: ['ALL'], privileged: false })).toEqual([]);
    expect(effectiveCapabilities({ capAdd: ['NET_BIND_SERVICE'], capDrop: ['all'], privileged: false })).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(effectiveCapabilities({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'], privileged: false })).toHaveLength(40);
  });
  it('unknown names', () => {
    expect(() => effectiveCapabilities({ capAdd: ['FLY'], capDrop: [], privileged: false })).toThrow('unknown capability: "CAP_FLY"');
  });
});

describe('user resolution (runc GetExecUser)', () => {
  const cases: [string, object][] = [
    ['', { uid: 0, gid: 0, additionalGids: [10], home: '/root' }],
    ['root', { uid: 0, gid: 0, additionalGids: [10] }],
    ['1000', { uid: 1000, gid: 0, additionalGids: [], home: '/' }],
    ['1000:1000', { uid: 1000, gid: 1000, additionalGids: [] }],
    ['nobody', { uid: 65534, gid: 65534, additionalGids: [], home: '/home' }],
    ['nobody:daemon', { uid: 65534, gid: 1, additionalGids: [] }],
    ['65534', { uid: 65534, gid: 65534 }],
  ];
  for (const [spec, expected] of cases) {
    it(JSON.stringify(spec), () => expect(resolveUser(spec, PASSWD, GROUP)).toMatchObject(expected));
  }
  it('errors', () => {
    expect(() => resolveUser('alice', PASSWD, GROUP)).toThrow('unable to find user alice: no matching entries in passwd file');
    expect(() => resolveUser('root:staff', PASSWD, GROUP)).toThrow('unable to find group staff: no matching entries in group file');
    expect(() => resolveUser('alice', undefined, undefined)).toThrow('unable to find user alice');
  });
});

describe('run flags in the spec and its lowering', () => {
  const lower = async (line: string, joined?: Parameters<typeof buildRuntimeSpec>[0]['joined']) => {
    const req = await request(line);
    const config = configFor(req);
    const paths = defaultContainerPaths(ID);
    const spec = buildRuntimeSpec({ id: ID, config, hostConfig: hostConfigFor(req.HostConfig, []), mounts: [], paths, passwd: PASSWD, group: GROUP, ...(joined ? { joined } : {}) });
    const { lowerSpec } = await import('../runtime/lower.ts');
    const trace = lowerSpec(spec, { id: ID, bundle: paths.bundle, rootfs: { lowerDirs: ['/l'], upperDir: `${paths.bundle}/upper`, workDir: `${paths.bundle}/work`, mergedDir: paths.rootfs } });
    return { spec, trace };
  };
  it('--tmpfs and --shm-size are tmpfs mounts with their options', async () => {
    const { spec, trace } = await lower('--tmpfs /run:rw,size=1m --tmpfs /cache --shm-size 8m busybox');
    expect(spec.mounts.find((m) => m.destination === '/run')).toEqual({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'rw', 'size=1m'] });
    expect(spec.mounts.find((m) => m.destination === '/dev/shm')?.options).toContain('size=8388608');
    expect(trace.files.steps).toMatch(/^mount tmpfs \$R\/cache tmpfs noexec,nosuid,nodev$/m);
  });
  it('--pid host, --uts host, --ipc host: no namespace of their own; the guest\'s /dev/shm', async () => {
    const { spec, trace } = await lower('--pid host --uts host --ipc host busybox');
    expect(spec.linux.namespaces.map((n) => n.type)).toEqual(['mount', 'network', 'cgroup']);
    expect(spec.hostname).toBeUndefined();
    expect(spec.mounts.find((m) => m.destination === '/dev/shm')).toMatchObject({ type: 'bind', source: '/dev/shm' });
    expect(trace.start.map((s) => s.op.join(' '))).toContain('unshare mount net cgroup');
    expect(trace.init.some((s) => s.op[1] === '/proc/sys/kernel/hostname')).toBe(false);
  });
  it('--ipc container:X and --pid container:X join that PID 1\'s namespaces (and exec enters them too)', async () => {
    const { spec, trace } = await lower('--ipc container:db --pid container:db busybox', { ipc: { pid: 42, bundle: '/var/lib/drydock/containers/db' }, pid: 42 });
    expect(spec.linux.namespaces).toContainEqual({ type: 'ipc', path: '/proc/42/ns/ipc' });
    expect(spec.mounts.find((m) => m.destination === '/dev/shm')).toMatchObject({ type: 'bind', source: '/var/lib/drydock/containers/db/shm' });
    expect(trace.start.map((s) => s.op.join(' '))).toEqual([expect.stringMatching(/^join-cgroup/), 'unshare mount net uts cgroup', 'setns 42 pid', 'setns 42 ipc', expect.stringMatching(/^fork/)]);
    expect(trace.namespaces).toEqual(['mount', 'net', 'uts', 'cgroup', 'pid', 'ipc']);
  });
  it('--ipc shareable: /dev/shm is a tmpfs in the bundle, made at create and unmounted at delete; none has no /dev/shm', async () => {
    const { trace } = await lower('--ipc shareable busybox');
    expect(trace.files.steps).toMatch(/^\? !mounted \$B\/shm mount shm \$B\/shm tmpfs nosuid,noexec,nodev,mode=1777,size=67108864$/m);
    expect(trace.delete.some((s) => s.op.join(' ').endsWith('/shm'))).toBe(true);
    const none = await lower('--ipc none busybox');
    expect(none.spec.mounts.some((m) => m.destination === '/dev/shm')).toBe(false);
  });
  it('--ulimit: the guest shell sets them before drydock-init', async () => {
    const { spec, trace } = await lower('--ulimit nofile=64:128 busybox');
    expect(spec.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 128, soft: 64 }]);
    expect(trace.process.slice(0, 4)).toEqual(['/bin/sh', '-c', 'ulimit -n 128 && ulimit -S -n 64 && exec "$@"', 'drydock-ulimit']);
  });
  it('--init: the guest\'s docker-init bound read-only into /dev, as PID 1 before the command', async () => {
    const { spec } = await lower('--init busybox sleep 5');
    expect(spec.process.args.slice(0, 2)).toEqual(['/dev/init/docker-init', '--']);
    expect(spec.process.args.slice(2)).toEqual(['sleep', '5']);
    expect(spec.mounts.find((m) => m.destination === '/dev/init/docker-init')).toEqual({ destination: '/dev/init/docker-init', type: 'bind', source: '/sbin/drydock-agent', options: ['rbind', 'ro', 'rprivate'] });
  });
  it('more words than drydock-init\'s exec step takes are refused with the numbers', async () => {
    const args = Array.from({ length: 5000 }, (_, i) => `a${i}`).join(' ');
    await expect(lower(`busybox echo ${args}`)).rejects.toThrow(/5001 arguments: drydock's runtime \(drydock-init\) starts a process with at most 4085 of them together/);
  });
});
