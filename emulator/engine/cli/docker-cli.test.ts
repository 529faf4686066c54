import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryFixture } from '../../../test/unit/engine/registry-fixture.ts';
import { CredentialStore } from '../api/auth-store.ts';
import { createEngineApi, type EngineApi, type PushImage } from '../api/engine-api.ts';
import { MemoryGuestFs } from '../overlay/guest-fs-memory.ts';
import { RegistryServer } from '../registry/server/registry-server.ts';
import { openImagesService } from '../images/images-service.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';
import { dockerCli } from './docker-cli.ts';
import { MemorySession } from './memory-session.ts';

const t0 = new Date('2024-01-02T03:04:05Z');
const file = (name: string, body: string, mode = 0o644) => ({ header: { name, type: 'file' as const, size: body.length, mode, mtime: t0 }, body });
const hub = new RegistryFixture();
const privateRegistry = new RegistryFixture();
privateRegistry.auth = { username: 'me', password: 'secret' };
const now = new Date('2025-01-01T00:02:00Z');
const longCommand = '/bin/sh -c apt-get update && apt-get install -y --no-install-recommends bash coreutils';

beforeAll(async () => {
  await hub.addImage({
    name: 'library/busybox',
    tag: 'latest',
    created: '2025-01-01T00:00:00Z',
    layers: [{ entries: [file('bin/busybox', 'B'.repeat(4000), 0o755)], createdBy: '/bin/sh -c #(nop) ADD file:abc in /' }],
    emptyHistory: ['/bin/sh -c #(nop)  CMD ["sh"]'],
    config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
  });
  await hub.addImage({
    name: 'library/debian',
    tag: 'latest',
    created: '2024-12-31T23:00:00Z',
    layers: [{ entries: [file('bin/sh', 'SH', 0o755)], createdBy: '/bin/sh -c #(nop) ADD file:deb in /' }, { entries: [file('bin/bash', 'BASH', 0o755)], createdBy: longCommand }],
  });
  await privateRegistry.addImage({ name: 'team/app', tag: 'v1', layers: [{ entries: [file('app', 'APP')] }] });
  const bad = await hub.addImage({ name: 'library/bad', tag: 'latest', layers: [{ entries: [file('x', 'x'.repeat(1000))] }] });
  const layer = bad.layers[0]!;
  const corrupt = layer.gz.slice();
  corrupt[20] = (corrupt[20] ?? 0) ^ 0xff;
  hub.files.set(`library/bad/blobs/${layer.digest}`, { body: corrupt, type: 'application/octet-stream' });
  await hub.start();
  await privateRegistry.start();
});
afterAll(async () => {
  await hub.stop();
  await privateRegistry.stop();
});

let api: EngineApi;
let pushed: string[];

async function engine(push?: PushImage) {
  const credentials = new CredentialStore();
  const local = await RegistryServer.open({ backend: new MemoryBlobBackend(), host: 'localhost:5000' });
  const service = await openImagesService({
    localRegistry: { host: 'localhost:5000', handle: local.handle },
    fetch,
    backend: new MemoryBlobBackend(),
    registries: { 'docker.io': hub.url, 'private.test:5000': privateRegistry.url },
    credentials: credentials.lookup,
    fs: new MemoryGuestFs(),
  });
  return createEngineApi({ service, credentials, ...(push ? { push } : {}) });
}

beforeEach(async () => {
  pushed = [];
  api = await engine();
});

async function docker(line: string | string[], options: ConstructorParameters<typeof MemorySession>[1] = {}) {
  const session = new MemorySession(typeof line === 'string' ? line.split(' ').filter(Boolean) : line, options);
  await dockerCli({ api, now: () => now })(session);
  return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
}

describe('docker pull', () => {
  it('prints per-layer lines like Docker without a tty, then the full reference', async () => {
    const r = await docker('pull busybox');
    expect(r.status).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('Using default tag: latest');
    expect(lines[1]).toBe('latest: Pulling from library/busybox');
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pulling fs layer$/));
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pull complete$/));
    expect(lines.some((l) => l.includes('Downloading') || l.includes('['))).toBe(false);
    expect(lines.at(-3)).toMatch(/^Digest: sha256:[0-9a-f]{64}$/);
    expect(lines.at(-2)).toBe('Status: Downloaded newer image for busybox:latest');
    expect(lines.at(-1)).toBe('docker.io/library/busybox:latest');
    const again = await docker('pull busybox:latest');
    expect(again.out).not.toContain('Using default tag');
    expect(again.out).toContain('Status: Image is up to date for busybox:latest');
  });

  it('by digest: Downloaded newer image the first time, up to date the second, as Docker says it', async () => {
    const digest = /Digest: (sha256:[0-9a-f]{64})/.exec((await docker('pull busybox')).out)?.[1];
    expect((await docker('rmi busybox')).status).toBe(0);
    const first = await docker(`pull busybox@${digest}`);
    expect(first.status, first.err).toBe(0);
    const lines = first.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`${digest}: Pulling from library/busybox`);
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pull complete$/));
    expect(lines.slice(-3)).toEqual([`Digest: ${digest}`, `Status: Downloaded newer image for busybox@${digest}`, `docker.io/library/busybox@${digest}`]);
    const again = await docker(`pull busybox@${digest}`);
    expect(again.out.trimEnd().split('\n').slice(-3)).toEqual([`Digest: ${digest}`, `Status: Image is up to date for busybox@${digest}`, `docker.io/library/busybox@${digest}`]);
    // The tag was not there: Docker adds it and says so, though every layer already exists.
    const tag = await docker('pull busybox');
    expect(tag.out).toMatch(/: Already exists\n/);
    expect(tag.out).toContain('Status: Downloaded newer image for busybox:latest\n');
    expect((await docker('pull busybox')).out).toContain('Status: Image is up to date for busybox:latest\n');
    // Another repository's copy of the same image: its digest reference is new, so the image is "newer" there.
    expect((await docker('tag busybox me/bb:1')).status).toBe(0);
    expect((await docker('rmi busybox')).status).toBe(0);
    expect((await docker(`pull busybox@${digest}`)).out).toContain(`Status: Downloaded newer image for busybox@${digest}\n`);
  });

  it('redraws layer lines in place on a tty', async () => {
    const r = await docker('pull debian', { tty: { rows: 24, cols: 120 } });
    expect(r.status).toBe(0);
    expect(r.out).toContain('\x1b[2K\r');
    expect(r.out).toMatch(/\x1b\[\dA/);
    expect(r.out).toMatch(/\x1b\[\dB/);
  });

  it('-q prints only the reference; errors read like Docker', async () => {
    expect((await docker('pull -q busybox')).out).toBe('docker.io/library/busybox:latest\n');
    const missing = await docker('pull busybox:nope');
    expect(missing.status).toBe(1);
    expect(missing.err).toMatch(/^Error response from daemon: .*nope/);
    const bad = await docker('pull Busybox');
    expect(bad.status).toBe(1);
    expect(bad.err).toBe('invalid reference format: repository name (library/Busybox) must be lowercase\n');
  });
});

describe('docker pull failures after the stream started', () => {
  it('a digest mismatch ends the stream with the bare message, exit 1, and no image', async () => {
    const r = await docker('pull bad');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/latest: Pulling from library\/bad\n/);
    expect(r.err).toMatch(/digest/i);
    expect(r.err).not.toMatch(/^Error response from daemon/);
    expect((await docker('images -q')).out).toBe('');
  });

  it('Ctrl-C (the session aborted) stops the pull and lists nothing', async () => {
    // aborted as soon as the first progress line arrives
    const session = new (class extends MemorySession {
      override stdout(data: Uint8Array | string): void {
        super.stdout(data);
        if (this.stdoutText.includes('Pulling from')) this.controller.abort();
      }
    })(['pull', 'debian']);
    await dockerCli({ api, now: () => now })(session);
    expect(await session.exited).toBe(1);
    expect((await docker('images -q')).out).toBe('');
  });
});

describe('docker images', () => {
  beforeEach(async () => {
    await docker('pull busybox');
    await docker('pull debian');
  });

  it('lists newest first with Docker columns, relative times and sizes', async () => {
    const r = await docker('images');
    const [header, ...rows] = r.out.trimEnd().split('\n');
    expect(header).toBe('REPOSITORY   TAG       IMAGE ID       CREATED             SIZE');
    expect(rows[0]).toMatch(/^busybox      latest    [0-9a-f]{12}   2 minutes ago       4kB$/);
    expect(rows[1]).toMatch(/^debian       latest    [0-9a-f]{12}   About an hour ago   6B$/);
  });

  it('-q, --no-trunc, --digests, a reference filter and --format', async () => {
    expect((await docker('images -q')).out).toMatch(/^[0-9a-f]{12}\n[0-9a-f]{12}\n$/);
    expect((await docker('image ls -q --no-trunc')).out).toMatch(/^sha256:[0-9a-f]{64}\n/);
    expect((await docker('images --digests')).out.split('\n')[1]).toMatch(/^busybox\s+latest\s+sha256:[0-9a-f]{64}\s+[0-9a-f]{12}/);
    expect((await docker('images debian --format {{.Repository}}:{{.Tag}}')).out).toBe('debian:latest\n');
    expect((await docker(['images', '--format', 'table {{.Repository}}\\t{{.Size}}'])).out).toBe('REPOSITORY   SIZE\nbusybox      4kB\ndebian       6B\n');
    const json = (await docker('images --format json')).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(json[0]).toMatchObject({ Repository: 'busybox', Tag: 'latest', Size: '4kB' });
  });

  it('a repository argument lists only its tags (not the image\'s other references); repo:tag only that tag', async () => {
    expect((await docker('tag busybox me/bb:1')).status).toBe(0);
    expect((await docker('tag busybox me/bb:2')).status).toBe(0);
    const rows = (r: { out: string }) => r.out.trimEnd().split('\n').slice(1).map((l) => l.split(/\s{2,}/).slice(0, 2).join(' '));
    expect(rows(await docker('images me/bb'))).toEqual(['me/bb 1', 'me/bb 2']);
    expect(rows(await docker('images me/bb:2'))).toEqual(['me/bb 2']);
    expect(rows(await docker('images busybox'))).toEqual(['busybox latest']);
    expect(rows(await docker('images --filter reference=me/*'))).toEqual(['me/bb 1', 'me/bb 2']);
    expect(rows(await docker('images nothing'))).toEqual([]);
    expect((await docker('images -q me/bb')).out).toMatch(/^([0-9a-f]{12})\n\1\n$/);
    // --digests: the repository's digest shows on its tag rows; `repo:tag` matches the tag, not the digest (Docker's FamiliarMatch)
    expect((await docker('images --digests busybox')).out.split('\n')[1]).toMatch(/^busybox\s+latest\s+sha256:[0-9a-f]{64}\s/);
    expect((await docker('images --digests me/bb')).out.split('\n')[1]).toMatch(/^me\/bb\s+1\s+<none>\s/);
    expect((await docker('images --digests busybox:latest')).out.split('\n')[1]).toMatch(/^busybox\s+latest\s+<none>\s/);
    expect((await docker('images -q -f dangling=true')).out).toBe('');
    expect((await docker('images -q -f dangling=false')).out.split('\n').filter(Boolean)).toHaveLength(4);
    expect((await docker('images -f dangling=maybe')).err).toBe("Error response from daemon: invalid filter 'dangling=maybe'\n");
  });

  it('shows tags and removes them with rmi: Untagged, then Deleted', async () => {
    expect((await docker('tag busybox me/bb:1')).status).toBe(0);
    expect((await docker('images me/bb')).out).toContain('me/bb        1  ');
    expect((await docker('rmi me/bb:1')).out).toBe('Untagged: me/bb:1\n');
    const r = await docker('rmi busybox');
    expect(r.out).toMatch(/^Untagged: busybox:latest\nUntagged: busybox@sha256:[0-9a-f]{64}\nDeleted: sha256:[0-9a-f]{64}\nDeleted: sha256:[0-9a-f]{64}\n$/);
    const again = await docker('rmi busybox nothere');
    expect(again.status).toBe(1);
    expect(again.err).toBe('Error response from daemon: No such image: busybox:latest\nError response from daemon: No such image: nothere:latest\n'.replace(/:latest/g, ''));
  });

  it('history truncates CREATED BY at 45 characters, like Docker', async () => {
    const r = await docker('history debian');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('IMAGE          CREATED             CREATED BY                                      SIZE      COMMENT');
    expect(lines[1]).toMatch(/^[0-9a-f]{12}   About an hour ago   \/bin\/sh -c apt-get update && apt-get install…   4B        $/);
    expect(lines[2]).toMatch(/^<missing>      About an hour ago   \/bin\/sh -c #\(nop\) ADD file:deb in \/             2B        $/);
    expect((await docker('history --no-trunc debian')).out).toContain(longCommand);
    const raw = await docker('history -H=false debian');
    expect(raw.out).toContain('2024-12-31T23:00:00Z');
    expect((await docker('history -q debian')).out).toMatch(/^[0-9a-f]{12}\n<missing>\n$/);
  });

  it('inspect prints a JSON array or a Go template', async () => {
    const r = await docker('image inspect busybox');
    const parsed = JSON.parse(r.out) as { Id: string; RepoTags: string[] }[];
    expect(parsed[0]?.RepoTags).toEqual(['busybox:latest']);
    expect(r.out.split('\n')[1]).toBe('    {');
    expect((await docker(['inspect', '--format', '{{.Config.Cmd}} {{json .Config.Env}} {{.Os}}/{{.Architecture}}', 'busybox'])).out).toBe('[sh] ["PATH=/bin"] linux/386\n');
    expect((await docker('inspect -f {{.Id}} busybox')).out).toBe(`${parsed[0]?.Id}\n`);
    const missing = await docker('image inspect busybox nope');
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.out)).toHaveLength(1);
    expect(missing.err).toBe('Error response from daemon: No such image: nope\n');
  });

  it('system df sums layers once', async () => {
    const r = await docker('system df');
    expect(r.out.split('\n')[0]).toBe('TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE');
    expect(r.out.split('\n')[1]).toBe('Images          2         0         4.006kB   4.006kB (100%)');
  });
});

describe('command line like the docker CLI', () => {
  it('unknown flags exit 125 with the usage line', async () => {
    const r = await docker('pull --x busybox');
    expect(r.status).toBe(125);
    expect(r.err).toBe("unknown flag: --x\n\nUsage:  docker pull [OPTIONS] NAME[:TAG|@DIGEST]\n\nRun 'docker pull --help' for more information\n");
    expect((await docker('image ls -z')).err).toMatch(/^unknown shorthand flag: 'z' in -z\n\nUsage:  docker image ls \[OPTIONS\]/);
    expect((await docker('images --format')).err).toMatch(/^flag needs an argument: --format\n/);
  });

  it('argument counts, unknown and later commands', async () => {
    const r = await docker('tag a');
    expect(r.status).toBe(1);
    expect(r.err).toBe("docker: 'docker tag' requires 2 arguments\n\nUsage:  docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\nRun 'docker tag --help' for more information\n");
    expect((await docker('rmi')).err).toContain("requires at least 1 argument\n\nUsage:  docker rmi [OPTIONS] IMAGE [IMAGE...]\n\nSee 'docker rmi --help'");
    const unknown = await docker('frobnicate');
    expect(unknown).toMatchObject({ status: 1, err: "docker: unknown command: docker frobnicate\n\nRun 'docker --help' for more information\n" });
    const later = await docker('save busybox');
    expect(later.status).toBe(1);
    expect(later.err).toMatch(/^docker: 'save' is not implemented in drydock yet\n/);
    expect((await docker('image prune')).err).toMatch(/^docker: 'image prune' is not implemented in drydock yet/);
  });

  it('--help for implemented commands, global flags before the command', async () => {
    const help = await docker('pull --help');
    expect(help.status).toBe(0);
    expect(help.out).toMatch(/^Usage:  docker pull \[OPTIONS\] NAME\[:TAG\|@DIGEST\]\n\nDownload an image from a registry\n\nAliases:\n  docker image pull, docker pull\n\nOptions:\n  -a, --all-tags /);
    expect((await docker('-D --log-level debug version')).out).toMatch(/\n  API version: +1\.43 \(minimum version 1\.24\)\n/);
    expect((await docker('--version')).out).toMatch(/^Docker version /);
    expect((await docker('')).out).toContain('Usage:  docker [OPTIONS] COMMAND');
  });
});

describe('docker login and push', () => {
  it('needs credentials for a private registry; login -u/--password-stdin stores them in the engine', async () => {
    const denied = await docker('pull private.test:5000/team/app:v1');
    expect(denied.status).toBe(1);
    expect(denied.err).toMatch(/^Error response from daemon: /);
    const wrong = await docker('login -u me --password-stdin private.test:5000', { stdin: 'nope\n' });
    expect(wrong.status).toBe(1);
    expect(wrong.err).toMatch(/^Error response from daemon: .*unauthorized/);
    const ok = await docker('login -u me --password-stdin private.test:5000', { stdin: 'secret\n' });
    expect(ok).toMatchObject({ status: 0, out: 'Login Succeeded\n' });
    expect((await docker('pull private.test:5000/team/app:v1')).status).toBe(0);
    expect((await docker('logout private.test:5000')).out).toBe('Removing login credentials for private.test:5000\n');
  });

  it('prompts for username and password on a tty, refuses without one', async () => {
    const r = await docker('login private.test:5000', { tty: { rows: 24, cols: 80 }, stdin: 'me\nsecret\n' });
    expect(r).toMatchObject({ status: 0, out: 'Username: Password: Login Succeeded\n' });
    const noTty = await docker('login private.test:5000');
    expect(noTty).toMatchObject({ status: 1, err: 'Error: Cannot perform an interactive login from a non TTY device\n' });
    const warn = await docker('login -u me -p secret private.test:5000');
    expect(warn.err).toBe('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  });

  it('push to the in-browser registry at localhost:5000, rmi, pull back the same digest; docker.io refuses', async () => {
    await docker('pull busybox');
    await docker('tag busybox localhost:5000/me/bb');
    // pushing needs a login: the registry answers an anonymous push 401
    expect(await docker('push localhost:5000/me/bb')).toMatchObject({ status: 1, err: expect.stringContaining('unauthorized: authentication required') });
    expect((await docker('login -u tester -p pw localhost:5000')).status).toBe(0);
    const r = await docker('push localhost:5000/me/bb');
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^Using default tag: latest\nThe push refers to repository \[localhost:5000\/me\/bb\]\n/);
    const digest = /latest: digest: (sha256:[0-9a-f]{64}) size: \d+\n$/.exec(r.out)?.[1];
    expect(digest).toBeDefined();
    expect((await docker('rmi localhost:5000/me/bb')).status).toBe(0);
    const back = await docker('pull localhost:5000/me/bb');
    expect(back.out).toContain(`Digest: ${digest}\n`);
    const hub = await docker('push busybox');
    expect(hub.status).toBe(1);
    // refused once the stream has started, so docker prints the bare message
    expect(hub.err).toMatch(/does not accept pushes/);
  });

  it('push streams whatever a push hook reports', async () => {
    api = await engine(async (name, { onProgress }) => {
      pushed.push(name);
      onProgress({ status: 'The push refers to repository [localhost:5000/me/bb]' });
      onProgress({ status: 'Pushed', id: 'abcdef012345' });
      onProgress({ status: 'latest: digest: sha256:00 size: 1' });
    });
    await docker('pull busybox');
    await docker('tag busybox localhost:5000/me/bb');
    const ok = await docker('push localhost:5000/me/bb:latest');
    expect(ok.status).toBe(0);
    expect(pushed).toEqual(['localhost:5000/me/bb:latest']);
    expect(ok.out).toBe('The push refers to repository [localhost:5000/me/bb]\nabcdef012345: Pushed\nlatest: digest: sha256:00 size: 1\n');
  });
});
