import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.ts';
import { parseRunOptions, type RunOptions, type RunParseContext } from './run-options.ts';
import { formatRunError } from './run-usage.ts';
import { verifyCreateRequest } from '../containers/create-config.ts';

const files: Record<string, string> = {
  '/root/app.env': '# comment\n\n  GREETING=hello world\nFROM_ENV\nMISSING\nEMPTY=\n',
  '/root/bad.env': 'MY VAR=1\n',
};
const ctx: RunParseContext = {
  command: 'run',
  env: { FROM_ENV: 'yes', TERM: 'xterm' },
  cwd: '/root',
  readFile: async (path) => files[path],
};

async function parse(line: string | string[]): Promise<RunOptions> {
  const argv = Array.isArray(line) ? line : line.split(' ').filter(Boolean);
  const r = await parseRunOptions(argv, ctx);
  if ('help' in r) throw new Error('help');
  return r;
}

async function failure(line: string | string[]): Promise<string> {
  const argv = Array.isArray(line) ? line : line.split(' ').filter(Boolean);
  try {
    await parseRunOptions(argv, ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return formatRunError(e as EngineError);
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseRunOptions: the create request a command line sends', () => {
  const host = (h: object) => ({ body: { HostConfig: h } });
  const cases: [string, object][] = [
    ['busybox', { detach: false, pull: 'missing', sigProxy: true, body: { Image: 'busybox', Cmd: null, Tty: false, OpenStdin: false, AttachStdout: true, HostConfig: { NetworkMode: 'default', Memory: 0, PortBindings: {}, Links: null, PublishAllPorts: false }, NetworkingConfig: { EndpointsConfig: { default: {} } } } }],
    ['-it busybox sh', { body: { Image: 'busybox', Cmd: ['sh'], OpenStdin: true, Tty: true, AttachStdin: true, StdinOnce: true } }],
    ['-dit --rm --name web busybox', { detach: true, name: 'web', body: { OpenStdin: true, Tty: true, AttachStdin: false, AttachStdout: false, StdinOnce: false, HostConfig: { AutoRemove: true } } }],
    ['--name=/web busybox', { name: 'web' }],
    ['busybox ls -l --color', { body: { Image: 'busybox', Cmd: ['ls', '-l', '--color'] } }],
    [
      '--device /dev/ttyS1 --device /dev/fuse:rw --device /dev/kmsg:/dev/log:r busybox',
      host({
        Devices: [
          { PathOnHost: '/dev/ttyS1', PathInContainer: '/dev/ttyS1', CgroupPermissions: 'rwm' },
          { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rw' },
          { PathOnHost: '/dev/kmsg', PathInContainer: '/dev/log', CgroupPermissions: 'r' },
        ],
      }),
    ],
    ['--security-opt seccomp=unconfined --security-opt no-new-privileges busybox', host({ SecurityOpt: ['seccomp=unconfined', 'no-new-privileges'] })],
    ['-- busybox -x', { body: { Image: 'busybox', Cmd: ['-x'] } }],
    ['-e A=1 -e FROM_ENV -e NOPE --env B=x=y busybox', { body: { Env: ['A=1', 'FROM_ENV=yes', 'NOPE', 'B=x=y'] } }],
    ['-eA=1 busybox', { body: { Env: ['A=1'] } }],
    ['-e Z=1 --env-file app.env busybox', { body: { Env: ['GREETING=hello world', 'FROM_ENV=yes', 'EMPTY=', 'Z=1'] } }],
    ['-w /app -u 1000:1000 -h box busybox', { body: { WorkingDir: '/app', User: '1000:1000', Hostname: 'box' } }],
    ['-u nobody busybox', { body: { User: 'nobody' } }],
    ['--entrypoint /bin/echo busybox hi', { body: { Entrypoint: ['/bin/echo'], Cmd: ['hi'] } }],
    // `--entrypoint ""` is sent as [""], the docker CLI's way of resetting the image's
    ['--entrypoint= busybox', { body: { Entrypoint: [''] } }],
    ['--read-only --privileged busybox', host({ ReadonlyRootfs: true, Privileged: true })],
    ['--memory 32m busybox', host({ Memory: 32 * 1024 * 1024 })],
    ['-m 1g busybox', host({ Memory: 1024 ** 3 })],
    ['-m=64MiB busybox', host({ Memory: 64 * 1024 * 1024 })],
    ['--memory 10485760 busybox', host({ Memory: 10485760 })],
    ['--memory 6.5m busybox', host({ Memory: 6815744 })],
    ['--pids-limit 50 busybox', host({ PidsLimit: 50 })],
    ['--pids-limit -1 busybox', host({ PidsLimit: null })],
    ['--cpus 0.5 busybox', host({ NanoCpus: 500_000_000 })],
    ['--cpus=1 busybox', host({ NanoCpus: 1_000_000_000 })],
    ['--cap-add NET_ADMIN --cap-add=sys_time --cap-drop CAP_NET_RAW busybox', host({ CapAdd: ['NET_ADMIN', 'sys_time'], CapDrop: ['CAP_NET_RAW'] })],
    ['--cap-drop ALL busybox', host({ CapDrop: ['ALL'] })],
    ['--network none busybox', host({ NetworkMode: 'none' })],
    ['--network=host busybox', host({ NetworkMode: 'host' })],
    ['--net host busybox', { body: { HostConfig: { NetworkMode: 'host' }, NetworkingConfig: { EndpointsConfig: {} } } }],
    ['--network mynet --network-alias web --ip 10.0.0.5 --link db:d busybox', { body: { HostConfig: { NetworkMode: 'mynet', Links: ['db:d'] }, NetworkingConfig: { EndpointsConfig: { mynet: { Aliases: ['web'], Links: ['db:d'], IPAMConfig: { IPv4Address: '10.0.0.5' } } } } } }],
    ['--link db:d --link cache busybox', { body: { HostConfig: { NetworkMode: 'default', Links: ['db:d', 'cache'] }, NetworkingConfig: { EndpointsConfig: { default: {} } } } }],
    ['--network=name=mynet,alias=a,alias=b busybox', { body: { HostConfig: { NetworkMode: 'mynet' }, NetworkingConfig: { EndpointsConfig: { mynet: { Aliases: ['a', 'b'] } } } } }],
    ['--network container:web busybox', { body: { HostConfig: { NetworkMode: 'container:web' }, NetworkingConfig: { EndpointsConfig: {} } } }],
    [
      '-p 8080:80 -p 127.0.0.1::53/udp -p 9000-9001:90-91 -p 7000-7010:70 --expose 100-101 --expose 80 -P busybox',
      {
        body: {
          ExposedPorts: { '80/tcp': {}, '53/udp': {}, '90/tcp': {}, '91/tcp': {}, '70/tcp': {}, '100/tcp': {}, '101/tcp': {} },
          HostConfig: {
            PortBindings: {
              '80/tcp': [{ HostIp: '', HostPort: '8080' }],
              '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
              '90/tcp': [{ HostIp: '', HostPort: '9000' }],
              '91/tcp': [{ HostIp: '', HostPort: '9001' }],
              '70/tcp': [{ HostIp: '', HostPort: '7000-7010' }],
            },
            PublishAllPorts: true,
          },
        },
      },
    ],
    ['-p published=8080,target=80,protocol=udp busybox', host({ PortBindings: { '80/udp': [{ HostIp: '', HostPort: '8080' }] } })],
    ['-p [::1]:80:80 busybox', host({ PortBindings: { '80/tcp': [{ HostIp: '::1', HostPort: '80' }] } })],
    ['--stop-signal SIGINT --stop-timeout 3 busybox', { body: { StopSignal: 'SIGINT', StopTimeout: 3 } }],
    ['-l app=web -l tier busybox', { body: { Labels: { app: 'web', tier: '' } } }],
    ['--restart on-failure:3 busybox', host({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } })],
    ['--pull never busybox', { pull: 'never' }],
    ['-v /data:/data busybox', host({ Binds: ['/data:/data'] })],
    ['-v /srv/:/www/:ro busybox', host({ Binds: ['/srv:/www:ro'] })],
    ['-v ./site:/www busybox', host({ Binds: ['/root/site:/www'] })],
    ['-v data:/var/lib/data busybox', host({ Binds: ['data:/var/lib/data'] })],
    ['-v cache:/cache:ro,z busybox', host({ Binds: ['cache:/cache:ro'] })],
    ['-v /anon busybox', { body: { Volumes: { '/anon': {} }, HostConfig: { Binds: null } } }],
  ];
  for (const [line, expected] of cases) {
    it(line, async () => {
      expect(await parse(line)).toMatchObject(expected);
    });
  }

  it('--help asks for help', async () => {
    expect(await parseRunOptions(['--help'], ctx)).toEqual({ help: true });
  });
});

describe('the round trip: what the CLI sends is what dockerd\'s checks keep', () => {
  const lines = [
    ['-it', '--rm', 'busybox', 'sh'],
    ['-d', '--name', 'web', '-e', 'A=1', '-w', '/srv', '-u', 'nobody', '-h', 'box', '-v', 'data:/data:ro', '-v', '/mnt/host/x:/x', '-v', '/anon', 'busybox', 'httpd', '-f'],
    ['--entrypoint', '', 'busybox', 'echo', 'hi'],
    ['--entrypoint', '/bin/echo', '--read-only', '--memory', '32m', '--pids-limit', '50', '--cpus', '0.5', '--cap-drop', 'ALL', '--cap-add', 'CHOWN', '--privileged', '--network', 'host', '--stop-signal', 'SIGINT', '--stop-timeout', '3', '-l', 'a=b', '--restart', 'on-failure:2', 'busybox'],
    ['-p', '8080:80', '-p', '127.0.0.1::53/udp', '--expose', '90', '-P', '--link', 'db:d', '--device', '/dev/fuse', '--ulimit', 'nofile=64', 'busybox'],
    ['--network', 'mynet', '--network-alias', 'web', '--ip', '10.1.0.9', 'busybox'],
  ];
  for (const argv of lines) {
    it(argv.join(' '), async () => {
      const { body, name } = await parse(argv);
      const { HostConfig: host, NetworkingConfig: networking, ...config } = JSON.parse(JSON.stringify(body)) as typeof body;
      const back = verifyCreateRequest(JSON.parse(JSON.stringify(body)), { name: name ?? null });
      expect(back.Name).toBe(name);
      expect(back.Config).toEqual(config);
      // dockerd's router reads the CLI's `default` network (and its endpoint config) as `bridge`
      const mode = host.NetworkMode === 'default' ? 'bridge' : host.NetworkMode;
      expect(back.HostConfig).toEqual({ ...host, NetworkMode: mode });
      expect(Object.keys(back.NetworkingConfig.EndpointsConfig)).toEqual(Object.keys(networking.EndpointsConfig).map((k) => (k === 'default' ? 'bridge' : k)));
    });
  }
});

describe('parseRunOptions errors (what the docker CLI 27/28 prints; all exit 125 except a missing image)', () => {
  const usage = "\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information\n";
  const daemon = "\n\nRun 'docker run --help' for more information\n";
  const see = "\nSee 'docker run --help'.\n";
  const run = daemon;
  const cases: [string, string][] = [
    ['--x busybox', `unknown flag: --x${usage}`],
    ['-z busybox', `unknown shorthand flag: 'z' in -z${usage}`],
    ['--memory 12q busybox', `invalid argument "12q" for "-m, --memory" flag: invalid size: '12q'${usage}`],
    ['-m 1x busybox', `invalid argument "1x" for "-m, --memory" flag: invalid size: '1x'${usage}`],
    ['--memory 1m busybox', `docker: Error response from daemon: Minimum memory limit allowed is 6MB${daemon}`],
    ['--cpus x busybox', `invalid argument "x" for "--cpus" flag: failed to parse x as a rational number${usage}`],
    ['--cpus 2 busybox', `docker: Error response from daemon: Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available${daemon}`],
    ['--pids-limit lots busybox', `invalid argument "lots" for "--pids-limit" flag: strconv.ParseInt: parsing "lots": invalid syntax${usage}`],
    ['--rm=maybe busybox', `invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax${usage}`],
    ['--name', `flag needs an argument: --name${usage}`],
    ['-e =x busybox', `invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x${usage}`],
    ['--name web@1 busybox', `docker: Error response from daemon: Invalid container name (web@1), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed${daemon}`],
    // docker 28.2's option errors: `docker: MESSAGE`, a blank line, `Run ... --help` (checked against the stock CLI)
    ['-p abc busybox', `docker: invalid containerPort: abc${run}`],
    ['-p 8080:abc busybox', `docker: invalid containerPort: abc${run}`],
    ['-p 70000:80 busybox', `docker: invalid hostPort: 70000${run}`],
    ['-p 1.2.3:80:80 busybox', `docker: invalid IP address: 1.2.3${run}`],
    ['-p 80:80:80 busybox', `docker: invalid IP address: 80${run}`],
    ['-p 80/xyz busybox', `docker: invalid proto: xyz${run}`],
    ['-p 8080-8082:80-81 busybox', `docker: invalid ranges specified for container and host Ports: 80-81 and 8080-8082${run}`],
    ['--expose 80:90 busybox', `docker: invalid port format for --expose: 80:90${run}`],
    ['--expose abc busybox', `docker: invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax${run}`],
    ['-p published=8080,x busybox', `docker: invalid publish opts format (should be name=value but got 'x')${run}`],
    ['--network-alias web busybox', `docker: network-scoped aliases are only supported for user-defined networks${run}`],
    ['--network a --network host busybox', `docker: conflicting options: cannot attach both user-defined and non-user-defined network-modes${run}`],
    ['--network a --network a busybox', `docker: network "a" is specified multiple times${run}`],
    ['--mac-address zz busybox', `docker: zz is not a valid mac address${run}`],
    ['--link a:b:c busybox', `invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c${usage}`],
    ['--network name=,alias=x busybox', `invalid argument "name=,alias=x" for "--network" flag: network name/id is not specified${usage}`],
    ['--env-file nope.env busybox', `docker: open nope.env: no such file or directory.${see}`],
    ['--env-file bad.env busybox', `docker: variable 'MY VAR' contains whitespaces.${see}`],
    ['-v /a:ro busybox', `docker: Error response from daemon: invalid volume specification: '/a:ro'${daemon}`],
    ['-v /a:/b:xyz busybox', `docker: Error response from daemon: invalid mode: xyz${daemon}`],
    ['-v /a:b busybox', `docker: Error response from daemon: invalid volume specification: '/a:b': invalid mount config for type "bind": invalid mount path: 'b' mount path must be absolute${daemon}`],
    ['-v my@vol:/x busybox', expect.stringContaining('"my@vol" includes invalid characters for a local volume name') as unknown as string],
    ['--stop-signal NOPE busybox', `docker: Error response from daemon: Invalid signal: NOPE${daemon}`],
    ['--rm --restart always busybox', `docker: conflicting options: cannot specify both --restart and --rm${run}`],
    ['--restart :3 busybox', `docker: invalid restart policy format: no policy provided before colon${run}`],
    ['--restart on-failure:x busybox', `docker: invalid restart policy format: maximum retry count must be an integer${run}`],
    ['-v :/x busybox', `docker: invalid spec: :/x: empty section between colons${run}`],
    ['-v /a:/b:ro:z busybox', `docker: invalid spec: /a:/b:ro:z: too many colons${run}`],
    ['-w app busybox', `docker: Error response from daemon: the working directory 'app' is invalid, it needs to be an absolute path${daemon}`],
    ['--device /dev/x:/dev/y:rwz busybox', `docker: invalid device mode: rwz.${see}`],
    ['--security-opt nope busybox', `docker: Error response from daemon: invalid --security-opt 1: "nope"${daemon}`],
    ['-d', "docker: 'docker run' requires at least 1 argument\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'docker run --help' for more information\n"],
  ];
  for (const [line, expected] of cases) {
    it(line, async () => {
      expect(await failure(line)).toEqual(expected);
    });
  }

  it('docker create names itself', async () => {
    try {
      await parseRunOptions(['--x'], { ...ctx, command: 'create' });
    } catch (e) {
      expect(formatRunError(e as EngineError)).toBe("unknown flag: --x\n\nUsage:  docker create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker create --help' for more information\n");
    }
  });

  it('exit statuses', async () => {
    const status = async (argv: string[]) => {
      try {
        await parseRunOptions(argv, ctx);
        return 0;
      } catch (e) {
        return (e as EngineError).details?.['exitStatus'];
      }
    };
    expect(await status(['--x', 'busybox'])).toBe(125);
    expect(await status(['--memory', '12q', 'busybox'])).toBe(125);
    expect(await status([])).toBe(1);
  });
});

describe('run --help', () => {
  it('cobra layout', async () => {
    const { runHelpText } = await import('./run-usage.ts');
    await expect(runHelpText('run')).toMatchFileSnapshot('testdata/help/run.txt');
    expect(runHelpText('create')).not.toContain('--detach');
  });
});

describe('run flags from tutorials: tmpfs, shm, ulimit, namespaces, init, health', () => {
  it('parses them as the docker CLI', async () => {
    const r = await parse('--tmpfs /run:rw,size=1m --tmpfs /x --shm-size 1g --ulimit nofile=64:128 --ulimit nproc=5 --ipc shareable --pid host --uts host --init busybox');
    expect(r.body.HostConfig).toMatchObject({ Tmpfs: { '/run': 'rw,size=1m', '/x': '' }, ShmSize: 1 << 30, IpcMode: 'shareable', PidMode: 'host', UTSMode: 'host', Init: true });
    expect(r.body.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 64, Hard: 128 }, { Name: 'nproc', Soft: 5, Hard: 5 }]);
    const h = await parse(['--health-cmd', 'wget -q -O- localhost', '--health-interval', '2s', '--health-timeout', '500ms', '--health-retries', '3', '--health-start-period', '1m', 'busybox']);
    expect(h.body.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'wget -q -O- localhost'], Interval: 2e9, Timeout: 5e8, StartPeriod: 60e9, Retries: 3 });
    expect((await parse('--no-healthcheck busybox')).body.Healthcheck).toEqual({ Test: ['NONE'] });
    expect((await parse('busybox')).body.Healthcheck).toBeUndefined();
  });
  it('refuses with the CLI\'s words', async () => {
    expect(await failure('--ulimit nofile busybox')).toMatch(/^invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile\n/);
    expect(await failure('--ipc bogus busybox')).toBe("docker: --ipc: invalid IPC mode\n\nRun 'docker run --help' for more information\n");
    expect(await failure('--pid bogus busybox')).toBe("docker: --pid: invalid PID mode\n\nRun 'docker run --help' for more information\n");
    expect(await failure('--uts container:x busybox')).toBe("docker: --uts: invalid UTS mode\n\nRun 'docker run --help' for more information\n");
    expect(await failure('--shm-size 12q busybox')).toMatch(/^invalid argument "12q" for "--shm-size" flag: invalid size: '12q'/);
    expect(await failure('--no-healthcheck --health-retries 2 busybox')).toBe("docker: --no-healthcheck conflicts with --health-* options\n\nRun 'docker run --help' for more information\n");
    expect(await failure('--health-interval 5 busybox')).toMatch(/^invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"/);
    expect(await failure('--health-retries -1 --health-cmd true busybox')).toBe("docker: --health-retries cannot be negative\n\nRun 'docker run --help' for more information\n");
  });
  it('the create body carries them and dockerd\'s checks read them back', async () => {
    const r = await parse(['--tmpfs', '/run', '--ulimit', 'nofile=64', '--ipc', 'none', '--init', '--health-cmd', 'true', 'busybox']);
    const back = verifyCreateRequest(JSON.parse(JSON.stringify(r.body)));
    expect(back.HostConfig).toMatchObject({ Tmpfs: { '/run': '' }, Ulimits: [{ Name: 'nofile', Soft: 64, Hard: 64 }], IpcMode: 'none', Init: true });
    expect(back.Config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'true'] });
    const body = (host: object, rest: object = {}) => ({ Image: 'busybox', HostConfig: host, ...rest });
    expect(() => verifyCreateRequest(body({ IpcMode: 'bogus' }))).toThrow('invalid IPC mode: bogus');
    expect(() => verifyCreateRequest(body({ UTSMode: 'host' }, { Hostname: 'x' }))).toThrow('conflicting options: hostname and the UTS mode');
    expect(() => verifyCreateRequest(body({ ShmSize: -1 }))).toThrow('SHM size can not be less than 0');
    expect(() => verifyCreateRequest(body({ Tmpfs: { run: '' } }))).toThrow("invalid mount path: 'run' mount path must be absolute");
    expect(() => verifyCreateRequest(body({ Ulimits: [{ Name: 'rttime', Soft: 1, Hard: 1 }] }))).toThrow(/no option for RLIMIT_RTTIME/);
    expect(() => verifyCreateRequest(body({}, { Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } }))).toThrow('Interval in Healthcheck cannot be less than 1ms');
  });
});
