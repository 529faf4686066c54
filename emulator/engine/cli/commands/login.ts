// `docker login` / `docker logout`: credentials checked by the daemon (`POST /auth`) and kept by the engine,
// not in a config file in the guest (drydock extension: `DELETE /auth?serveraddress=` forgets them).
import { DOCKER_HUB_AUTH_ADDRESS } from '../../api/auth-store.ts';
import { CliError, type Command } from '../command.ts';

export const login: Command = {
  usage: 'docker login [OPTIONS] [SERVER]',
  description: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
  flags: [
    { name: 'password', short: 'p', type: 'string', description: 'Password or Personal Access Token (PAT)' },
    { name: 'password-stdin', type: 'bool', description: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', type: 'string', description: 'Username' },
  ],
  args: { max: 1 },
  async run(ctx) {
    const server = ctx.args[0] ?? DOCKER_HUB_AUTH_ADDRESS;
    let username = ctx.flags.username as string | undefined;
    let password = ctx.flags.password as string | undefined;
    if (password !== undefined) {
      ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      if (ctx.flags['password-stdin']) throw new CliError('--password and --password-stdin are mutually exclusive');
    }
    if (ctx.flags['password-stdin']) {
      if (!username) throw new CliError('Must provide --username with --password-stdin');
      password = (await ctx.stdin.readAll()).replace(/\r?\n$/, '');
    }
    const interactive = ctx.session.tty !== undefined;
    if (!username || password === undefined) {
      if (!interactive) throw new CliError('Error: Cannot perform an interactive login from a non TTY device');
      if (server === DOCKER_HUB_AUTH_ADDRESS && !username) {
        ctx.out("Log in with your Docker ID or email address to push and pull images from Docker Hub. If you don't have a Docker ID, head over to https://hub.docker.com/ to create one.\n");
      }
    }
    if (!username) {
      ctx.out('Username: ');
      username = ((await ctx.stdin.readLine()) ?? '').trim();
      if (!username) throw new CliError('Username is required');
    }
    if (password === undefined) {
      // The shim's terminal echoes what is typed; the engine cannot turn echo off from here.
      ctx.out('Password: ');
      password = (await ctx.stdin.readLine()) ?? '';
      if (!password) throw new CliError('Password is required');
    }
    const body = await ctx.client.json<{ Status: string }>('POST', '/auth', { body: { username, password, serveraddress: server } });
    ctx.out(`${body.Status}\n`);
    return 0;
  },
};

export const logout: Command = {
  usage: 'docker logout [SERVER]',
  description: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
  flags: [],
  args: { max: 1 },
  async run(ctx) {
    const server = ctx.args[0] ?? DOCKER_HUB_AUTH_ADDRESS;
    const body = await ctx.client.json<{ Status: string }>('DELETE', '/auth', { query: { serveraddress: server } });
    ctx.out(`${body.Status}\n`);
    return 0;
  },
};
