// The server images' own files: what Docker's official nginx and redis images set up around Debian's packages.

import { linkSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerContext } from './images.ts';
import { dir, link, write } from './rootfs.ts';

/** Docker's official redis image creates its user with these ids; volumes made there carry them. */
export const REDIS_ID = 999;

/** Package files that only mean something to an init system, logrotate, a firewall or an editor. */
function dropServiceFiles(root: string, extra: string[]): void {
  const paths = ['etc/init.d', 'etc/default', 'etc/logrotate.d', 'etc/ufw', 'usr/lib/systemd', 'usr/share/apport', 'usr/share/vim', ...extra];
  for (const path of paths) rmSync(join(root, path), { recursive: true, force: true });
}

/**
 * nginx laid out like the official image: one nginx.conf that includes conf.d/*.conf, the site in
 * conf.d/default.conf serving /usr/share/nginx/html, and both logs linked to the container's stdout
 * and stderr. Debian's sites-available/sites-enabled scheme and its modules-enabled hook go: nothing
 * here would read them. Workers run as www-data, the user Debian's nginx.conf names (base-passwd has it).
 */
export function nginxFiles({ root }: LayerContext): void {
  dropServiceFiles(root, [
    'etc/nginx/sites-available', 'etc/nginx/sites-enabled', 'etc/nginx/snippets',
    'etc/nginx/modules-available', 'etc/nginx/modules-enabled', 'usr/share/nginx/modules',
  ]);
  write(root, 'etc/nginx/nginx.conf', NGINX_CONF);
  write(root, 'etc/nginx/conf.d/default.conf', NGINX_DEFAULT_SITE);
  write(root, 'usr/share/nginx/html/index.html', WELCOME_PAGE);
  write(root, 'usr/share/nginx/html/50x.html', ERROR_PAGE);
  link(root, 'var/log/nginx/access.log', '/dev/stdout');
  link(root, 'var/log/nginx/error.log', '/dev/stderr');
  dir(root, 'var/lib/nginx');
}

/**
 * redis like the official image: no config file (redis-server's built-in defaults listen on every
 * interface), data in /data owned by the redis user, and an entrypoint that does what the official
 * one does at start. The build owns /data as 999:999 (the layer's `owners`).
 */
export function redisFiles(ctx: LayerContext): void {
  const { root } = ctx;
  dropServiceFiles(root, ['etc/redis', 'usr/share/bash-completion']);
  addSystemUser(ctx, { name: 'redis', id: REDIS_ID, home: '/var/lib/redis' });
  dir(root, 'data');
  write(root, 'usr/local/bin/docker-entrypoint.sh', REDIS_ENTRYPOINT, 0o755);
  // Debian ships redis-check-aof and redis-check-rdb as two identical copies of the server (it picks its
  // role from argv[0]): a hard link keeps both names and stores the 2.5 MB once.
  const rdb = join(root, 'usr/bin/redis-check-rdb');
  const aof = join(root, 'usr/bin/redis-check-aof');
  if (!readFileSync(rdb).equals(readFileSync(aof))) throw new Error('redis-check-aof and redis-check-rdb differ: keep both');
  rmSync(aof);
  linkSync(rdb, aof);
}

/** What `adduser --system --group NAME` would add, with fixed ids: passwd, group and their shadow files. */
function addSystemUser({ root, epoch, readBelow }: LayerContext, user: { name: string; id: number; home: string }): void {
  const day = Math.floor(epoch / 86400);
  const append = (file: string, line: string, mode?: number) => {
    const below = readBelow(file).toString('utf8');
    if (below.split('\n').some((l) => l.startsWith(`${user.name}:`))) throw new Error(`${file} below already has ${user.name}`);
    write(root, file, `${below}${below.endsWith('\n') ? '' : '\n'}${line}\n`, mode);
  };
  append('etc/passwd', `${user.name}:x:${user.id}:${user.id}::${user.home}:/usr/sbin/nologin`);
  append('etc/group', `${user.name}:x:${user.id}:`);
  append('etc/shadow', `${user.name}:*:${day}:0:99999:7:::`, 0o640);
  append('etc/gshadow', `${user.name}:*::`, 0o640);
}

const NGINX_CONF = `# drydock's nginx image: laid out like Docker's official one (sites live in conf.d/*.conf).
user  www-data;
worker_processes  auto;

# access.log and error.log are links to the container's stdout and stderr: \`docker logs\` shows both.
error_log  /var/log/nginx/error.log notice;
pid        /run/nginx.pid;

events {
    worker_connections  1024;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';
    access_log  /var/log/nginx/access.log  main;

    sendfile           on;
    keepalive_timeout  65;

    include /etc/nginx/conf.d/*.conf;
}
`;

const NGINX_DEFAULT_SITE = `server {
    listen       80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`;

const WELCOME_PAGE = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>nginx is running in a container. This page is /usr/share/nginx/html/index.html inside it.</p>
<p>Replace it with your own files (a bind mount, docker cp, or COPY in a Dockerfile) and nginx serves those instead.</p>
</body>
</html>
`;

const ERROR_PAGE = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<h1>An error occurred.</h1>
<p>nginx could not answer this request. Its error log (docker logs) says why.</p>
</body>
</html>
`;

/**
 * The official image's entrypoint behaviour, for Debian's redis: options alone mean redis-server; protected
 * mode off (the official image builds Redis with it off, so containers can reach it with no password) unless
 * an option or the config file sets it; /data handed to redis and root dropped before the server starts.
 * dpkg's start-stop-daemon does the official image's gosu step: it sets the user and execs in place.
 */
const REDIS_ENTRYPOINT = `#!/bin/sh
set -e

# \`docker run redis --appendonly yes\` or \`docker run redis /etc/my-redis.conf\`: arguments for redis-server
case "$1" in
	-* | *.conf) set -- redis-server "$@" ;;
esac

if [ "$1" = redis-server ]; then
	protected=default
	if [ -f "$2" ] && grep -q '^[[:space:]]*protected-mode' "$2"; then protected=set; fi
	for arg; do
		if [ "$arg" = --protected-mode ]; then protected=set; fi
	done
	if [ "$protected" = default ]; then set -- "$@" --protected-mode no; fi

	# files redis creates are for redis alone (the official image's umask)
	if [ "$(umask)" = 0022 ]; then umask 0077; fi

	if [ "$(id -u)" = 0 ]; then
		# a new volume or a bind mount on /data may belong to root: give it to redis, then drop root
		find . \\! -user redis -exec chown redis '{}' +
		server=$(command -v redis-server)
		shift
		exec /usr/sbin/start-stop-daemon --start --chuid redis:redis --chdir "$PWD" --exec "$server" -- "$@"
	fi
fi

exec "$@"
`;
