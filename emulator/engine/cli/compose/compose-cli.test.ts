import { describe, expect, it } from 'vitest';
import { loadProject } from '../../compose/load.ts';
import { ComposeProgress } from './progress.ts';
import { containerPlan, LABEL } from './service-container.ts';

const load = (text: string) => loadProject({ file: { path: '/root/app/compose.yaml', text }, workingDir: '/root/app', env: {}, readFile: async () => undefined });

describe('a service as Engine API objects', () => {
  it('is named and labelled as Compose v2 does, its ports, volumes and networks in the create body', async () => {
    const { project } = await load(
      'services:\n  web:\n    image: busybox\n    command: httpd -f\n    ports: ["127.0.0.1:8080:80"]\n    volumes: [data:/data, ./site:/www:ro, /tmp/anon]\n    networks:\n      front:\n        aliases: [www]\n      default:\n    restart: on-failure:3\n    environment: {A: "1", B: null}\n    healthcheck:\n      test: wget -qO- localhost\n      interval: 2s\nnetworks:\n  front:\nvolumes:\n  data:\n',
    );
    const plan = containerPlan(project, 'web', 2, { imageId: 'sha256:abc' });
    expect(plan.name).toBe('app-web-2');
    expect(plan.body.Labels).toMatchObject({ [LABEL.project]: 'app', [LABEL.service]: 'web', [LABEL.number]: '2', [LABEL.oneoff]: 'False', [LABEL.workingDir]: '/root/app', [LABEL.image]: 'sha256:abc' });
    expect(plan.body.Labels?.[LABEL.hash]).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.body.Cmd).toEqual(['httpd', '-f']);
    expect(plan.body.Env).toEqual(['A=1']);
    expect(plan.body.HostConfig).toMatchObject({
      Binds: ['app_data:/data', '/root/app/site:/www:ro'],
      NetworkMode: 'app_default',
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
    expect(plan.body.Volumes).toEqual({ '/tmp/anon': {} });
    expect(plan.body.NetworkingConfig).toEqual({ EndpointsConfig: { app_default: { Aliases: ['app-web-2', 'web'] } } });
    expect(plan.extraNetworks).toEqual([{ network: 'app_front', aliases: ['app-web-2', 'web', 'www'] }]);
    expect(plan.body.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'wget -qO- localhost'], Interval: 2e9 });
  });

  it('init, capabilities, privileged and read_only reach the HostConfig, as docker run --init --cap-add --cap-drop --privileged --read-only', async () => {
    const { project } = await load('services:\n  web:\n    image: busybox\n    init: true\n    cap_add: [NET_ADMIN]\n    cap_drop: [ALL]\n    privileged: true\n    read_only: true\n  db:\n    image: busybox\n    init: false\n');
    expect(containerPlan(project, 'web', 1).body.HostConfig).toMatchObject({ Init: true, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], Privileged: true, ReadonlyRootfs: true });
    const db = containerPlan(project, 'db', 1).body.HostConfig!;
    expect(db.Init).toBe(false);
    for (const key of ['CapAdd', 'CapDrop', 'Privileged', 'ReadonlyRootfs']) expect(db).not.toHaveProperty(key);
  });

  it('the config hash changes with the service, not with its replicas', async () => {
    const hash = async (text: string) => containerPlan((await load(text)).project, 'web', 1).body.Labels?.[LABEL.hash];
    const base = await hash('services:\n  web:\n    image: busybox\n');
    expect(await hash('services:\n  web:\n    image: busybox\n    deploy:\n      replicas: 3\n')).toBe(base);
    expect(await hash('services:\n  web:\n    image: busybox\n    command: echo\n')).not.toBe(base);
  });
});

describe('progress', () => {
  it('plain: one line per event', () => {
    let out = '';
    const p = new ComposeProgress({ write: (t) => (out += t), now: () => 0 });
    p.event('Network app_default', 'Creating', 'working');
    p.event('Network app_default', 'Created', 'done');
    expect(out).toBe(' Network app_default  Creating\n Network app_default  Created\n');
  });
  it('a terminal: the [+] Running block redrawn in place', () => {
    let out = '';
    let now = 0;
    const p = new ComposeProgress({ write: (t) => (out = t), columns: 60, now: () => now });
    p.event('Network app_default', 'Creating', 'working');
    now = 100;
    p.event('Network app_default', 'Created', 'done');
    p.event('Container app-web-1', 'Started', 'done');
    const plain = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(plain.split('\n')[0]).toBe('[+] Running 2/2');
    expect(plain.split('\n')[1]).toMatch(/^ ✔ Network app_default  Created +0\.1s $/);
    expect(plain.split('\n')[1]).toHaveLength(60);
    expect(out.startsWith('\x1b[2A')).toBe(true);
  });
});

describe('config on a 200-line file', () => {
  // its speed (the issue's <= 0.2 s) is a bench figure, not a test bound: this machine's load would make one flaky
  it('loads and prints every service', async () => {
    const services = Array.from({ length: 22 }, (_, i) => `  s${i}:\n    image: busybox\n    command: ["sleep", "600"]\n    environment:\n      - N=${i}\n    ports:\n      - "${8000 + i}:80"\n    depends_on: [${i > 0 ? `s${i - 1}` : ''}]\n    labels: {tier: t${i}}\n`.replace('    depends_on: []\n', ''));
    const text = `services:\n${services.join('')}`;
    expect(text.split('\n').length).toBeGreaterThanOrEqual(190);
    const { configYaml } = await import('../../compose/config-yaml.ts');
    const out = configYaml((await load(text)).project);
    expect(out.match(/^  s\d+:$/gm)).toHaveLength(22);
    expect(out).toContain('    depends_on:\n      s20:\n        condition: service_started\n');
  });
});

describe('docker compose config through the CLI, files read through the Engine API', () => {
  // an engine that only answers the CLI's guest-file reads, from a map of the guest's files
  const engine = (files: Record<string, string>) => async (request: Request) => {
    const url = new URL(request.url);
    const path = url.searchParams.get('path') ?? '';
    if (url.pathname.endsWith('/drydock/guest-file') && files[path] !== undefined) return new Response(files[path]);
    return new Response(JSON.stringify({ message: `open ${path}: no such file or directory` }), { status: 404 });
  };
  const run = async (argv: string[], cwd: string, files: Record<string, string>) => {
    const { MemorySession } = await import('../memory-session.ts');
    const { runDocker } = await import('../docker-cli.ts');
    const session = new MemorySession(argv, { cwd });
    const status = await runDocker(session, { api: engine(files) });
    return { status, out: session.stdoutText, err: session.stderrText };
  };

  it('the share folder is /root/app to Compose: project "app", files found in a parent, .env read', async () => {
    const files = { '/mnt/host/work/compose.yaml': 'services:\n  web:\n    image: "busybox:${TAG}"\n', '/mnt/host/work/.env': 'TAG=1.36\n' };
    const r = await run(['compose', 'config'], '/mnt/host/work/src', files);
    expect(r).toEqual({ status: 0, err: '', out: 'name: app\nservices:\n  web:\n    image: busybox:1.36\n    networks:\n      default: null\nnetworks:\n  default:\n    name: app_default\n' });
  });

  it("Compose's errors: no file, a schema error with its line, an unknown subcommand", async () => {
    expect(await run(['compose', 'ps'], '/tmp', {})).toEqual({ status: 1, out: '', err: 'no configuration file provided: not found\n' });
    const bad = await run(['compose', '-f', 'x.yml', 'config'], '/srv', { '/srv/x.yml': 'services:\n  web:\n    image: busybox\n    ports: 80\n' });
    expect(bad).toEqual({ status: 1, out: '', err: 'validating /srv/x.yml:4: services.web.ports must be a array\n' });
    expect((await run(['compose', 'frobnicate'], '/srv', {})).err).toBe('unknown docker command: "compose frobnicate"\n');
  });
});
