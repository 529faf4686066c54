import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configYaml } from './config-yaml.ts';
import { loadProject } from './load.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');

async function load(text: string, extra: { env?: Record<string, string>; dotEnv?: string; files?: Record<string, string>; projectName?: string } = {}) {
  return loadProject({
    file: { path: '/root/app/compose.yaml', text },
    workingDir: '/root/app',
    env: extra.env ?? {},
    ...(extra.dotEnv !== undefined ? { dotEnv: extra.dotEnv } : {}),
    ...(extra.projectName !== undefined ? { projectName: extra.projectName } : {}),
    readFile: async (p) => extra.files?.[p],
  });
}

describe('compose config (golden)', () => {
  for (const name of ['web-redis', 'long-syntax', 'interpolation']) {
    it(name, async () => {
      const dir = join(TESTDATA, name);
      const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
      const files: Record<string, string> = {};
      for (const f of ['db.env']) if (read(f) !== undefined) files[`/root/${name}/${f}`] = read(f) as string;
      const dotEnv = read('.env');
      const loaded = await loadProject({
        file: { path: `/root/${name}/compose.yaml`, text: read('compose.yaml') as string },
        workingDir: `/root/${name}`,
        env: { DEBUG: '1' },
        ...(dotEnv !== undefined ? { dotEnv } : {}),
        readFile: async (p) => files[p],
      });
      const golden = read('config.golden.yaml');
      const out = configYaml(loaded.project);
      if (golden === undefined) console.log(out);
      expect(out).toBe(golden);
      expect(loaded.warnings).toEqual(name === 'interpolation' ? ['WARN[0000] The "UNSET_ONE" variable is not set. Defaulting to a blank string.'] : []);
    });
  }
});

async function error(text: string, extra: Parameters<typeof load>[1] = {}) {
  try {
    await load(text, extra);
  } catch (e) {
    const err = e as { message: string; location?: { line: number } };
    return { message: err.message, line: err.location?.line };
  }
  throw new Error('loaded');
}

describe('compose errors, with Compose wording and the line', () => {
  it('a wrong type', async () => {
    expect(await error('services:\n  web:\n    image: busybox\n    ports: "80:80"\n')).toEqual({ message: 'validating /root/app/compose.yaml:4: services.web.ports must be a array', line: 4 });
    expect(await error('services:\n  web:\n    image: busybox\n    environment: 3\n')).toMatchObject({ message: 'validating /root/app/compose.yaml:4: services.web.environment must be a array or mapping' });
  });
  it('an unknown key, and a known one drydock does not run', async () => {
    expect(await error('services:\n  web:\n    image: busybox\n    colour: red\n')).toEqual({ message: "validating /root/app/compose.yaml:4: services.web additional properties 'colour' not allowed", line: 4 });
    expect(await error('services:\n  web:\n    image: busybox\n\n    ipc: host\n')).toEqual({ message: 'validating /root/app/compose.yaml:5: services.web.ipc is not supported by drydock yet', line: 5 });
    expect((await error('secrets: {}\nservices: {}\n')).message).toBe('validating /root/app/compose.yaml:1: secrets is not supported by drydock yet');
  });
  it('YAML syntax', async () => {
    const e = await error('services:\n  web:\n    image: busybox\n   ports: [\n');
    expect(e.message).toMatch(/^yaml: line \d+: /);
    expect(e.line).toBeGreaterThanOrEqual(3);
  });
  it('depends_on an undefined service, and a cycle', async () => {
    expect(await error('services:\n  web:\n    image: busybox\n    depends_on: [db]\n')).toEqual({ message: 'service "web" depends on undefined service "db": invalid compose project', line: 4 });
    expect((await error('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n  c:\n    image: x\n    depends_on: [a]\n')).message).toBe('dependency cycle detected: a -> b -> c -> a');
  });
  it('neither image nor build, undefined volume and network', async () => {
    expect((await error('services:\n  web:\n    command: echo\n')).message).toBe('service "web" has neither an image nor a build context specified: invalid compose project');
    expect((await error('services:\n  web:\n    image: x\n    volumes: [data:/data]\n')).message).toBe('service "web" refers to undefined volume data: invalid compose project');
    expect((await error('services:\n  web:\n    image: x\n    networks: [front]\n')).message).toBe('service "web" refers to undefined network front: invalid compose project');
  });
  it('a required variable', async () => {
    expect((await error('services:\n  web:\n    image: "busybox:${TAG:?set TAG}"\n')).message).toBe('error while interpolating services.web.image: required variable TAG is missing a value: set TAG');
    expect((await error('services:\n  web:\n    image: "busybox:${TAG"\n')).message).toBe('invalid interpolation format for services.web.image.\nYou may need to escape any $ with another $.\nbusybox:${TAG');
  });
  it('a bad port', async () => {
    expect(await error('services:\n  web:\n    image: x\n    ports:\n      - "80:80/tcpx"\n')).toEqual({ message: 'services.web.ports.0: invalid proto: tcpx', line: 5 });
  });
  it('a host port range for one container port is where each replica takes a free one; a container range needs as many', async () => {
    const { project } = await load('services:\n  web:\n    image: x\n    ports:\n      - "8000-8001:8000"\n');
    expect(project.services.web?.ports).toEqual([{ mode: 'ingress', target: 8000, published: '8000-8001', protocol: 'tcp' }]);
    expect(await error('services:\n  web:\n    image: x\n    ports:\n      - "8000:80-81"\n')).toEqual({ message: 'services.web.ports.0: invalid ranges specified for container and host Ports: 80-81 and 8000', line: 5 });
  });
});

describe('project name and environment', () => {
  const file = 'name: Fancy.Name\nservices:\n  web:\n    image: busybox\n';
  it('-p, then COMPOSE_PROJECT_NAME, then name:, then the directory', async () => {
    expect((await load(file, { projectName: 'given' })).project.name).toBe('given');
    expect((await load(file, { dotEnv: 'COMPOSE_PROJECT_NAME=fromenv\n' })).project.name).toBe('fromenv');
    expect((await load(file)).project.name).toBe('fancyname');
    expect((await load('services:\n  web:\n    image: busybox\n')).project.name).toBe('app');
    await expect(load(file, { projectName: 'Bad Name' })).rejects.toThrow('invalid project name "Bad Name": must consist only of lowercase');
  });
  it('the shell wins over .env; defaults only when unset (or empty with :-)', async () => {
    const l = await load('services:\n  web:\n    image: "busybox:${A}-${B:-b}-${C-c}-${D:+yes}"\n', { env: { A: 'shell', C: '' }, dotEnv: 'A=dotenv\nD=1\n' });
    expect(l.project.services.web?.image).toBe('busybox:shell-b--yes');
    expect(l.warnings).toEqual([]);
  });
  it('warns about the obsolete version attribute', async () => {
    expect((await load('version: "3.8"\nservices:\n  web:\n    image: busybox\n')).warnings).toEqual([
      'WARN[0000] /root/app/compose.yaml: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion',
    ]);
  });
});
