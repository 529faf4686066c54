// The course's images: which Debian packages go in which layer, and what maintainer scripts would have done.

import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PATH, type ContainerConfig } from './oci.ts';
import { statusStanza, type DebPackage } from './packages.ts';
import { dir, link, makeMergedUsrLinks, write } from './rootfs.ts';
import { buildNodeSnapshot, NODE_SNAPSHOT_PATH, NODE_SNAPSHOT_RUN, nodeSnapshotComment } from './node-snapshot.ts';
import { compilePythonModules } from './python-bytecode.ts';
import { nginxFiles, REDIS_ID, redisFiles } from './server-files.ts';
import { run } from './sh.ts';

export interface LayerContext {
  root: string;
  /** Every package in the image so far, this layer's included, sorted by name. */
  allPackages: DebPackage[];
  /** The day the layer's files carry (seconds since the epoch). */
  epoch: number;
  /** Build outputs that are not Debian packages (the hello-world binary, the mini npm). */
  artifacts: { hello: string; npm: string };
  /** A file as the layers below this one have it (to extend /etc/passwd and the like). */
  readBelow: (path: string) => Buffer;
  /** The staged trees of the layers below, bottom first (to run the image's own programs in a chroot). */
  lowerRoots: string[];
}

export interface LayerSpec {
  /** Short name, used in the build cache and as the history comment. */
  name: string;
  packages: string[];
  /** Debian's merged /usr; busybox keeps its own classic /bin layout. */
  mergedUsr?: boolean;
  customize?: (ctx: LayerContext) => void;
  /** Paths (relative to the root) owned by someone other than root: [uid, gid], like a Dockerfile's chown. */
  owners?: Record<string, [number, number]>;
  /** The history's `created_by` for a layer a command made (default: an ADD of the packages' files). */
  createdBy?: string;
  /** The history's comment, from the image's packages (default: the layer's name and its packages). */
  comment?: (allPackages: DebPackage[]) => string;
}

export interface ImageSpec {
  name: string;
  tags: string[];
  /** Layers (and history) are reused byte for byte from this image. */
  base?: string;
  layers: LayerSpec[];
  config: ContainerConfig;
  /** Metadata-only Dockerfile steps recorded in history as empty layers, in order, after the layers. */
  metadataSteps: string[];
  /** Dependencies left out on purpose: name -> reason. */
  ignoredDeps?: Record<string, string>;
  /** For images without packages: their fixed date (seconds since the epoch). */
  epoch?: number;
  description: string;
}

/** hello-world has no Debian package to take a date from: the day drydock's images were first built. */
const HELLO_EPOCH = Date.UTC(2026, 10, 25) / 1000;

export const IMAGES: ImageSpec[] = [
  {
    name: 'hello-world',
    tags: ['latest'],
    description: "A 1 KB static i386 program that explains what just happened, in the spirit of Docker's hello-world.",
    epoch: HELLO_EPOCH,
    layers: [
      {
        name: 'hello',
        packages: [],
        customize: ({ root, artifacts }) => {
          copyFileSync(artifacts.hello, join(root, 'hello'));
          run('chmod', ['0755', join(root, 'hello')]);
        },
      },
    ],
    config: { Env: [DEFAULT_PATH], Cmd: ['/hello'] },
    metadataSteps: ['CMD ["/hello"]'],
  },
  {
    name: 'busybox',
    tags: ['latest', '1.37'],
    description: 'BusyBox 1.37 from Debian busybox-static (trixie): one static binary, one layer, applets as symlinks.',
    layers: [
      {
        name: 'busybox',
        packages: ['busybox-static'],
        mergedUsr: false,
        customize: ({ root }) => busyboxRoot(root),
      },
    ],
    config: { Env: [DEFAULT_PATH], Cmd: ['sh'] },
    metadataSteps: ['CMD ["sh"]'],
  },
  {
    name: 'debian',
    tags: ['bookworm', 'latest'],
    description: 'A small Debian 12 (bookworm) base: libc, bash, dash as /bin/sh, coreutils, grep, sed, findutils, tar, gzip, mawk, dpkg.',
    layers: [
      {
        name: 'debian-base',
        packages: [
          'base-files', 'base-passwd', 'gcc-12-base', 'libc6', 'libgcc-s1', 'libcrypt1', 'libtinfo6',
          'libacl1', 'libattr1', 'libgmp10', 'libselinux1', 'libpcre2-8-0', 'libbz2-1.0', 'liblzma5',
          'libzstd1', 'libmd0', 'zlib1g', 'ncurses-base',
        ],
        customize: debianBaseFiles,
      },
      {
        name: 'debian-tools',
        packages: ['bash', 'dash', 'coreutils', 'debianutils', 'grep', 'sed', 'findutils', 'tar', 'gzip', 'mawk', 'hostname', 'dpkg'],
        customize: (ctx) => {
          // debianutils' add-shell, run by the shells' postinst scripts.
          const shells = ['/bin/sh', '/usr/bin/sh', '/bin/bash', '/usr/bin/bash', '/bin/rbash', '/usr/bin/rbash', '/bin/dash', '/usr/bin/dash'];
          write(ctx.root, 'etc/shells', `# /etc/shells: valid login shells\n${shells.join('\n')}\n`);
          // update-alternatives would point awk at mawk through /etc/alternatives.
          link(ctx.root, 'etc/alternatives/awk', '/usr/bin/mawk');
          link(ctx.root, 'usr/bin/awk', '/etc/alternatives/awk');
          dpkgDatabase(ctx);
        },
      },
    ],
    config: { Env: [DEFAULT_PATH], Cmd: ['bash'] },
    metadataSteps: ['CMD ["bash"]'],
    ignoredDeps: {
      libdebconfclient0: "base-passwd's update-passwd talks to debconf; it never runs here (we write /etc/passwd ourselves)",
    },
  },
  {
    name: 'python',
    tags: ['3.11', 'latest'],
    base: 'debian',
    description: "Python 3.11 from Debian on top of the debian image's layers; `python3 -m http.server` serves pages.",
    layers: [
      {
        name: 'python-libs',
        packages: [
          'libexpat1', 'libffi8', 'libssl3', 'libsqlite3-0', 'libncursesw6', 'libreadline8', 'readline-common',
          'libuuid1', 'libnsl2', 'libtirpc3', 'libtirpc-common', 'libgssapi-krb5-2', 'libkrb5-3', 'libk5crypto3',
          'libcom-err2', 'libkrb5support0', 'libkeyutils1', 'libdb5.3', 'media-types', 'netbase',
        ],
      },
      {
        name: 'python3.11',
        packages: ['libpython3.11-minimal', 'python3.11-minimal', 'libpython3.11-stdlib', 'python3.11', 'python3-minimal', 'libpython3-stdlib', 'python3'],
        customize: (ctx) => {
          // Docker's python images answer to `python` too; Debian leaves that to python-is-python3.
          link(ctx.root, 'usr/bin/python', 'python3');
          // What python3.11's postinst (py3compile) would have done.
          compilePythonModules(ctx.root, ctx.lowerRoots);
          dpkgDatabase(ctx);
        },
      },
    ],
    config: { Env: [DEFAULT_PATH, 'LANG=C.UTF-8', 'PYTHON_VERSION=3.11.2'], Cmd: ['python3'] },
    metadataSteps: ['ENV LANG=C.UTF-8', 'ENV PYTHON_VERSION=3.11.2', 'CMD ["python3"]'],
  },
  {
    name: 'node',
    tags: ['18', 'latest'],
    base: 'debian',
    description: "Node.js 18 from Debian on top of the debian image's layers, with drydock's mini npm (install, start, run, test) and a startup snapshot that NODE_OPTIONS names (node starts from it instead of compiling its bootstrap).",
    layers: [
      {
        name: 'node-libs',
        packages: ['libstdc++6', 'libssl3', 'libicu72', 'libuv1', 'libc-ares2', 'libnghttp2-14', 'libbrotli1'],
      },
      {
        name: 'nodejs',
        // Debian builds node against its own copies of acorn, cjs-module-lexer and undici (fetch).
        packages: ['libnode108', 'nodejs', 'node-acorn', 'node-xtend', 'node-cjs-module-lexer', 'node-undici', 'node-busboy'],
        customize: (ctx) => {
          dir(ctx.root, 'usr/lib/node_modules/npm/bin');
          copyFileSync(ctx.artifacts.npm, join(ctx.root, 'usr/lib/node_modules/npm/bin/npm-cli.js'));
          run('chmod', ['0755', join(ctx.root, 'usr/lib/node_modules/npm/bin/npm-cli.js')]);
          write(
            ctx.root,
            'usr/lib/node_modules/npm/package.json',
            `${JSON.stringify({ name: 'npm', version: '0.1.0-drydock', description: "drydock's mini npm", bin: { npm: 'bin/npm-cli.js' } }, null, 2)}\n`,
          );
          link(ctx.root, 'usr/bin/npm', '../lib/node_modules/npm/bin/npm-cli.js');
          dpkgDatabase(ctx);
        },
      },
      {
        name: 'node-snapshot',
        packages: [],
        createdBy: NODE_SNAPSHOT_RUN,
        comment: nodeSnapshotComment,
        customize: (ctx) => buildNodeSnapshot(ctx.root, ctx.lowerRoots, ctx.allPackages),
      },
    ],
    // NODE_OPTIONS makes every node start from the snapshot (node refuses a snapshot taken with other V8 flags:
    // a learner who passes one sets NODE_OPTIONS= too; see README).
    config: { Env: [DEFAULT_PATH, 'NODE_VERSION=18.20.4', `NODE_OPTIONS=--snapshot-blob=${NODE_SNAPSHOT_PATH}`], Cmd: ['node'] },
    metadataSteps: ['ENV NODE_VERSION=18.20.4', `ENV NODE_OPTIONS=--snapshot-blob=${NODE_SNAPSHOT_PATH}`, 'CMD ["node"]'],
    ignoredDeps: {
      'sse2-support': 'a Debian install-time check that the CPU has SSE2; v86 emulates SSE2',
    },
  },
  {
    name: 'nginx',
    tags: ['1.22', 'latest'],
    base: 'debian',
    description: "nginx 1.22 from Debian on the debian image's layers, set up like Docker's official image: port 80, /usr/share/nginx/html, logs in docker logs.",
    layers: [
      {
        name: 'nginx',
        packages: ['libssl3', 'nginx-common', 'nginx'],
        customize: (ctx) => {
          nginxFiles(ctx);
          dpkgDatabase(ctx);
        },
      },
    ],
    config: {
      ExposedPorts: { '80/tcp': {} },
      Env: [DEFAULT_PATH, 'NGINX_VERSION=1.22.1'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      // nginx's graceful shutdown: finish the requests in flight, then exit 0.
      StopSignal: 'SIGQUIT',
    },
    metadataSteps: ['ENV NGINX_VERSION=1.22.1', 'EXPOSE 80', 'STOPSIGNAL SIGQUIT', 'CMD ["nginx" "-g" "daemon off;"]'],
    ignoredDeps: {
      iproute2: "nginx's postinst checks with `ss` that port 80 is free before starting the service; no maintainer script runs here",
      debconf: "nginx-common's maintainer scripts source debconf's confmodule; none runs here",
    },
  },
  {
    name: 'redis',
    tags: ['7.0', 'latest'],
    base: 'debian',
    description: "Redis 7.0 (server and redis-cli) from Debian on the debian image's layers, set up like Docker's official image: port 6379, data in /data, runs as redis.",
    layers: [
      {
        name: 'redis-libs',
        // redis links jemalloc (which needs libstdc++), lzf, OpenSSL and libsystemd (for sd_notify) with its own libraries.
        packages: ['libssl3', 'libatomic1', 'libstdc++6', 'libjemalloc2', 'liblzf1', 'libsystemd0', 'libcap2', 'libgcrypt20', 'libgpg-error0', 'liblz4-1'],
      },
      {
        name: 'redis',
        packages: ['redis-tools', 'redis-server'],
        customize: (ctx) => {
          redisFiles(ctx);
          dpkgDatabase(ctx);
        },
        owners: { data: [REDIS_ID, REDIS_ID] },
      },
    ],
    config: {
      ExposedPorts: { '6379/tcp': {} },
      Env: [DEFAULT_PATH, 'REDIS_VERSION=7.0.15'],
      Entrypoint: ['docker-entrypoint.sh'],
      Cmd: ['redis-server'],
      Volumes: { '/data': {} },
      WorkingDir: '/data',
    },
    metadataSteps: ['ENV REDIS_VERSION=7.0.15', 'VOLUME [/data]', 'WORKDIR /data', 'ENTRYPOINT ["docker-entrypoint.sh"]', 'EXPOSE 6379', 'CMD ["redis-server"]'],
    ignoredDeps: {
      adduser: "redis-tools' postinst adds the redis user; the build writes it into /etc/passwd itself",
      'lsb-base': "redis-server's init script sources it; containers run no init scripts",
      'init-system-helpers': "redis-server's maintainer scripts register its services; none runs here",
    },
  },
];

/** What base-files', base-passwd's and libc's maintainer scripts create on first install. */
function debianBaseFiles(ctx: LayerContext): void {
  const { root, epoch } = ctx;
  makeMergedUsrLinks(root);
  const share = (f: string) => readFileSync(join(root, 'usr/share', f));
  write(root, 'etc/passwd', share('base-passwd/passwd.master'));
  write(root, 'etc/group', share('base-passwd/group.master'));
  const day = Math.floor(epoch / 86400);
  const users = share('base-passwd/passwd.master').toString().split('\n').filter(Boolean).map((l) => l.split(':')[0]);
  const groups = share('base-passwd/group.master').toString().split('\n').filter(Boolean).map((l) => l.split(':')[0]);
  write(root, 'etc/shadow', users.map((u) => `${u}:*:${day}:0:99999:7:::\n`).join(''), 0o640);
  write(root, 'etc/gshadow', groups.map((g) => `${g}:*::\n`).join(''), 0o640);
  write(root, 'root/.profile', share('base-files/dot.profile'));
  write(root, 'root/.bashrc', share('base-files/dot.bashrc'));
  write(root, 'etc/profile', share('base-files/profile'));
  write(root, 'etc/motd', share('base-files/motd'));
  write(root, 'etc/nsswitch.conf', NSSWITCH);
  // No timezone questions are asked: containers run in UTC, like Docker's debian image.
  link(root, 'etc/localtime', '/usr/share/zoneinfo/Etc/UTC');
  write(root, 'etc/timezone', 'Etc/UTC\n');
  link(root, 'etc/dpkg/origins/default', 'debian');
  for (const d of ['mnt', 'srv', 'opt', 'etc/opt', 'var/opt', 'media']) dir(root, d);
  dir(root, 'var/mail', 0o2775);
  link(root, 'var/spool/mail', '../mail');
  dir(root, 'run/lock', 0o1777);
  for (const [from, to] of [['var/run', '/run'], ['var/lock', '/run/lock']] as const) {
    rmSync(join(root, from), { recursive: true, force: true });
    link(root, from, to);
  }
  for (const d of ['bin', 'etc', 'games', 'include', 'lib', 'man', 'sbin', 'share', 'src']) dir(root, `usr/local/${d}`);
  dir(root, 'tmp', 0o1777);
  dir(root, 'root', 0o700);
  dir(root, 'var/lib/dpkg/info');
  dir(root, 'var/lib/dpkg/updates');
  write(root, 'var/lib/dpkg/available', '');
  dpkgDatabase(ctx);
}

/** dpkg's status file, so `dpkg -l` lists what the image holds (later layers replace it whole). */
function dpkgDatabase({ root, allPackages }: LayerContext): void {
  write(root, 'var/lib/dpkg/status', allPackages.map(statusStanza).join('\n'));
}

const NSSWITCH = `# /etc/nsswitch.conf: Debian's default (libc's postinst would install it)
passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`;

/**
 * The busybox image's classic layout: /bin/busybox and one symlink per applet where busybox
 * itself says it belongs (`--list-full`), plus the few files a shell session expects.
 */
function busyboxRoot(root: string): void {
  // trixie's package installs /usr/bin/busybox (merged /usr); the image keeps busybox's own /bin/busybox.
  dir(root, 'bin');
  renameSync(join(root, 'usr/bin/busybox'), join(root, 'bin/busybox'));
  const applets = run(join(root, 'bin/busybox'), ['--list-full']).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    link(root, applet, '/bin/busybox');
  }
  rmSync(join(root, 'usr/share'), { recursive: true, force: true });
  write(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  write(root, 'etc/group', 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n');
  write(root, 'etc/shadow', 'root:*::0:::::\ndaemon:*::0:::::\nnobody:*::0:::::\n', 0o640);
  dir(root, 'root', 0o700);
  dir(root, 'tmp', 0o1777);
  dir(root, 'home');
  dir(root, 'var/spool/mail');
  dir(root, 'var/www');
}
