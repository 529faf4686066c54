// The `docker compose` subcommands: each a flag list and a run over a ComposeContext.
import { configYaml } from '../../compose/config-yaml.ts';
import { startOrder } from '../../compose/graph.ts';
import type { ContainerSummary } from '../../containers/container-json.ts';
import { psRow } from '../ps-format.ts';
import { CliError } from '../command.ts';
import { startAndFollow } from '../commands/containers-run.ts';
import { execCommand } from '../commands/container-commands.ts';
import { streamLogs } from '../commands/container-output.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import type { FlagSpec, FlagValues } from '../flags.ts';
import { formatList } from '../output-format.ts';
import { tabulate } from '../tab-writer.ts';
import { nameOf, type ComposeContext } from './compose-context.ts';
import { converge, ensureImage, ensureNetworks, ensureVolumes, removeContainer, waitRunningOrHealthy } from './converge.ts';
import { buildService, pullServiceImage } from './images.ts';
import { containerPlan, LABEL, serviceImage } from './service-container.ts';

export interface Subcommand {
  usage: string;
  description: string;
  flags: FlagSpec[];
  /** flags stop at the first argument (`exec`, `run`: the command's own flags follow) */
  stopAtArgs?: boolean;
  run(ctx: ComposeContext, flags: FlagValues, args: string[]): Promise<number>;
}

const b = (name: string, description: string, short?: string): FlagSpec => ({ name, type: 'bool', description, ...(short ? { short } : {}) });
const s = (name: string, description: string, short?: string): FlagSpec => ({ name, type: 'string', description, ...(short ? { short } : {}) });
const l = (name: string, description: string, short?: string): FlagSpec => ({ name, type: 'list', description, ...(short ? { short } : {}) });

const config: Subcommand = {
  usage: 'docker compose config [OPTIONS] [SERVICE...]',
  description: 'Parse, resolve and render compose file in canonical format',
  flags: [b('quiet', 'Only validate the configuration, don\'t print anything', 'q'), b('services', 'Print the service names, one per line.'), b('volumes', 'Print the volume names, one per line.'), b('images', 'Print the image names, one per line.')],
  async run(ctx, flags) {
    const { project } = await ctx.project();
    if (flags.quiet) return 0;
    if (flags.services) ctx.out(Object.keys(project.services).map((n) => `${n}\n`).join(''));
    else if (flags.volumes) ctx.out(Object.keys(project.volumes).map((n) => `${n}\n`).join(''));
    else if (flags.images) ctx.out(Object.keys(project.services).map((n) => `${serviceImage(project, n)}\n`).join(''));
    else ctx.out(configYaml(project));
    return 0;
  },
};

function parseScale(values: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    if (!m) throw new CliError(`invalid --scale value "${v}": expected SERVICE=NUM`);
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

const up: Subcommand = {
  usage: 'docker compose up [OPTIONS] [SERVICE...]',
  description: 'Create and start containers',
  flags: [
    b('detach', 'Detached mode: Run containers in the background', 'd'),
    b('build', 'Build images before starting containers'),
    l('scale', 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.'),
    b('wait', 'Wait for services to be running|healthy. Implies detached mode.'),
    s('wait-timeout', 'Maximum duration in seconds to wait for the project to be running|healthy'),
    b('no-deps', "Don't start linked services"),
    b('force-recreate', "Recreate containers even if their configuration and image haven't changed"),
    b('no-start', "Don't start the services after creating them"),
    b('remove-orphans', 'Remove containers for services not defined in the Compose file'),
  ],
  async run(ctx, flags, args) {
    const { project } = await ctx.project();
    if (Object.keys(project.services).length === 0) throw new CliError('no service selected');
    const containers = await converge(ctx, project, {
      services: args,
      build: flags.build === true,
      scale: parseScale((flags.scale as string[] | undefined) ?? []),
      noDeps: flags['no-deps'] === true,
      forceRecreate: flags['force-recreate'] === true,
      noStart: flags['no-start'] === true,
      removeOrphans: flags['remove-orphans'] === true,
    });
    if (flags.wait) {
      const timeout = flags['wait-timeout'] ? Number(flags['wait-timeout']) * 1000 : 300_000;
      return (await waitRunningOrHealthy(ctx, containers, timeout)) ? 0 : 1;
    }
    if (flags.detach || flags['no-start']) return 0;
    return attachLogs(ctx, containers);
  },
};

/** `up` without -d: the services' output with prefixes until they all exit or the learner stops it (then they stop). */
async function attachLogs(ctx: ComposeContext, containers: ContainerSummary[]): Promise<number> {
  ctx.out(`Attaching to ${containers.map(nameOf).join(', ')}\n`);
  const signal = ctx.raw.session.signal;
  await printLogs(ctx, containers, { follow: true, tail: 'all' });
  if (signal.aborted) {
    ctx.out('Gracefully stopping... (press Ctrl+C again to force)\n');
    const progress = ctx.progress();
    for (const c of [...containers].reverse()) {
      progress.event(`Container ${nameOf(c)}`, 'Stopping', 'working');
      await ctx.client.request('POST', `/containers/${c.Id}/stop`);
      progress.event(`Container ${nameOf(c)}`, 'Stopped', 'done');
    }
    return 130;
  }
  // Compose's status lines carry the name without the `|` of output lines
  for (const c of containers) {
    const code = (await ctx.client.json<{ State: { ExitCode: number } }>('GET', `/containers/${c.Id}/json`)).State.ExitCode;
    ctx.out(`${prefixOf(c, containers, ctx, false)}exited with code ${code}\n`);
  }
  return 0;
}

const down: Subcommand = {
  usage: 'docker compose down [OPTIONS] [SERVICES]',
  description: 'Stop and remove containers, networks',
  flags: [b('volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers', 'v'), s('rmi', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")'), b('remove-orphans', 'Remove containers for services not defined in the Compose file'), s('timeout', 'Specify a shutdown timeout in seconds', 't')],
  async run(ctx, flags) {
    const rmi = flags.rmi as string | undefined;
    if (rmi !== undefined && rmi !== 'local' && rmi !== 'all') throw new CliError(`invalid value for --rmi: ${rmi}`);
    const loaded = await ctx.project().catch((e) => {
      if (ctx.globals.projectName !== undefined) return undefined;
      throw e;
    });
    const name = await ctx.projectName();
    const everything = await ctx.containers({ all: true, oneoff: true });
    // containers of services no longer in the file stay unless --remove-orphans, as Compose leaves them
    const known = (c: ContainerSummary) => !loaded || (c.Labels[LABEL.service] ?? '') in loaded.project.services;
    const containers = flags['remove-orphans'] ? everything : everything.filter(known);
    const orphans = everything.filter((c) => !containers.includes(c));
    if (orphans.length > 0) {
      ctx.err(`WARN[0000] Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
    }
    const order = loaded ? startOrder(loaded.project).reverse() : [];
    const rank = (c: ContainerSummary) => {
      const i = order.indexOf(c.Labels[LABEL.service] ?? '');
      return i < 0 ? -1 : i;
    };
    const progress = ctx.progress();
    for (const c of [...containers].sort((a, z) => rank(a) - rank(z))) await removeContainer(ctx, c, progress, { volumes: flags.volumes === true, timeout: flags.timeout as string | undefined });
    const networks = await ctx.client.json<{ Id: string; Name: string }[]>('GET', '/networks', { query: { filters: JSON.stringify({ label: [`${LABEL.project}=${name}`] }) } });
    for (const n of networks.sort((a, z) => (a.Name < z.Name ? -1 : 1))) {
      progress.event(`Network ${n.Name}`, 'Removing', 'working');
      await ctx.client.request('DELETE', `/networks/${n.Id}`);
      progress.event(`Network ${n.Name}`, 'Removed', 'done');
    }
    if (flags.volumes && loaded) {
      for (const v of Object.values(loaded.project.volumes)) {
        if (v.external) continue;
        try {
          await ctx.client.request('GET', `/volumes/${encodeURIComponent(v.name)}`);
        } catch (e) {
          if (e instanceof DaemonError && e.status === 404) continue;
          throw e;
        }
        progress.event(`Volume ${v.name}`, 'Removing', 'working');
        await ctx.client.request('DELETE', `/volumes/${encodeURIComponent(v.name)}`);
        progress.event(`Volume ${v.name}`, 'Removed', 'done');
      }
    }
    if (rmi && loaded) {
      const { project } = loaded;
      for (const svc of Object.keys(project.services)) {
        if (rmi === 'local' && project.services[svc]?.image !== undefined) continue;
        const image = serviceImage(project, svc);
        try {
          progress.event(`Image ${image}`, 'Removing', 'working');
          await ctx.client.request('DELETE', `/images/${imagePath(image)}`);
          progress.event(`Image ${image}`, 'Removed', 'done');
        } catch (e) {
          if (!(e instanceof DaemonError) || e.status !== 404) throw e;
          progress.event(`Image ${image}`, 'Not Found', 'done');
        }
      }
    }
    if (containers.length === 0 && networks.length === 0 && !flags.volumes && !rmi) ctx.err(`WARN[0000] No resource found to remove for project "${name}".\n`);
    return 0;
  },
};

const PS_TABLE = '{{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}';
const ps: Subcommand = {
  usage: 'docker compose ps [OPTIONS] [SERVICE...]',
  description: 'List containers',
  flags: [b('all', 'Show all stopped containers (including those created by the run command)', 'a'), b('quiet', 'Only display IDs', 'q'), s('format', "Format the output. Values: [table | json]"), b('services', 'Display services')],
  async run(ctx, flags, args) {
    const list = await ctx.containers({ all: flags.all === true, services: args, oneoff: flags.all === true });
    if (flags.quiet) {
      ctx.out(list.map((c) => `${c.Id}\n`).join(''));
      return 0;
    }
    if (flags.services) {
      ctx.out([...new Set(list.map((c) => c.Labels[LABEL.service]))].map((x) => `${x}\n`).join(''));
      return 0;
    }
    const now = ctx.raw.now().getTime();
    const rows = list.map((c) => {
      const r = psRow(c, { trunc: true, now });
      return { ...r, Name: nameOf(c), Service: c.Labels[LABEL.service] ?? '', Project: c.Labels[LABEL.project] ?? '', Command: `"${c.Command.length > 20 ? `${c.Command.slice(0, 19)}…` : c.Command}"` };
    });
    ctx.out(formatList(flags.format as string | undefined, rows, { defaultTable: PS_TABLE, headers: { Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS' } }));
    return 0;
  },
};

// Compose's rainbow for log prefixes (pkg/formatter/colors.go): cyan, yellow, green, magenta, blue, then the bright ones
const COLOURS = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'];

function shortName(c: ContainerSummary): string {
  const project = c.Labels[LABEL.project] ?? '';
  const name = nameOf(c);
  return name.startsWith(`${project}-`) ? name.slice(project.length + 1) : name;
}

function prefixOf(c: ContainerSummary, all: ContainerSummary[], ctx: ComposeContext, pipe = true): string {
  const width = Math.max(...all.map((x) => shortName(x).length));
  const text = pipe ? `${shortName(c).padEnd(width)}  | ` : `${shortName(c)} `;
  if (!ctx.raw.session.tty) return text;
  return `\x1b[${COLOURS[all.indexOf(c) % COLOURS.length]}m${text}\x1b[0m`;
}

async function printLogs(ctx: ComposeContext, containers: ContainerSummary[], o: { follow: boolean; tail: string; timestamps?: boolean }): Promise<void> {
  const decoder = () => new TextDecoder();
  await Promise.all(
    containers.map(async (c) => {
      const prefix = prefixOf(c, containers, ctx);
      const partial = { stdout: '', stderr: '' };
      const dec = { stdout: decoder(), stderr: decoder() };
      const q = new URLSearchParams({ stdout: '1', stderr: '1', tail: o.tail });
      if (o.follow) q.set('follow', '1');
      if (o.timestamps) q.set('timestamps', '1');
      await streamLogs(ctx.raw, c.Id, q, false, ctx.raw.session.signal, (stream, data) => {
        const text = partial[stream] + dec[stream].decode(data, { stream: true });
        const lines = text.split('\n');
        partial[stream] = lines.pop() as string;
        // Compose writes every service's lines to stdout
        if (lines.length > 0) ctx.out(lines.map((line) => `${prefix}${line}\n`).join(''));
      });
      for (const rest of Object.values(partial)) if (rest) ctx.out(`${prefix}${rest}\n`);
    }),
  );
}

const logs: Subcommand = {
  usage: 'docker compose logs [OPTIONS] [SERVICE...]',
  description: 'View output from containers',
  flags: [b('follow', 'Follow log output', 'f'), s('tail', 'Number of lines to show from the end of the logs for each container', 'n'), b('timestamps', 'Show timestamps', 't'), b('no-log-prefix', "Don't print prefix in logs")],
  async run(ctx, flags, args) {
    const containers = await ctx.containers({ all: true, services: args });
    await printLogs(ctx, containers, { follow: flags.follow === true, tail: (flags.tail as string | undefined) ?? 'all', timestamps: flags.timestamps === true });
    return 0;
  },
};

function lifecycle(verb: 'start' | 'stop' | 'restart', description: string, working: string, done: string): Subcommand {
  return {
    usage: `docker compose ${verb} [SERVICE...]`,
    description,
    flags: verb === 'start' ? [] : [s('timeout', 'Specify a shutdown timeout in seconds', 't')],
    async run(ctx, flags, args) {
      const { project } = await ctx.project();
      for (const a of args) if (!project.services[a]) throw new CliError(`no such service: ${a}`);
      let order = startOrder(project, args.length > 0 ? args : undefined);
      if (verb === 'stop') order = order.reverse();
      const containers = await ctx.containers({ all: true });
      const progress = ctx.progress();
      for (const service of order) {
        for (const c of containers.filter((x) => x.Labels[LABEL.service] === service)) {
          if (verb === 'start' && c.State === 'running') continue;
          progress.event(`Container ${nameOf(c)}`, working, 'working');
          await ctx.client.request('POST', `/containers/${c.Id}/${verb}`, { query: { t: flags.timeout as string | undefined } });
          progress.event(`Container ${nameOf(c)}`, done, 'done');
        }
      }
      return 0;
    },
  };
}

async function serviceContainer(ctx: ComposeContext, service: string, index: number): Promise<ContainerSummary> {
  const { project } = await ctx.project();
  if (!project.services[service]) throw new CliError(`no such service: ${service}`);
  const c = (await ctx.containers({ services: [service] })).find((x) => x.Labels[LABEL.number] === String(index));
  if (!c) throw new CliError(`service "${service}" is not running`);
  return c;
}

const exec: Subcommand = {
  usage: 'docker compose exec [OPTIONS] SERVICE COMMAND [ARGS...]',
  description: 'Execute a command in a running container',
  stopAtArgs: true,
  flags: [b('detach', 'Detached mode: Run command in the background', 'd'), l('env', 'Set environment variables', 'e'), s('index', 'Index of the container if service has multiple replicas'), b('no-TTY', 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.', 'T'), s('user', 'Run the command as this user', 'u'), s('workdir', 'Path to workdir directory for this command', 'w'), b('privileged', 'Give extended privileges to the process')],
  async run(ctx, flags, args) {
    const [service, ...cmd] = args;
    if (service === undefined || cmd.length === 0) throw new CliError('"docker compose exec" requires at least 2 arguments.');
    const c = await serviceContainer(ctx, service, Number(flags.index ?? 1));
    const argv: string[] = [];
    const tty = ctx.raw.session.tty !== undefined && !flags['no-TTY'];
    if (tty) argv.push('-it');
    else if (ctx.raw.session.hasStdin && !flags.detach) argv.push('-i');
    if (flags.detach) argv.push('-d');
    for (const e of (flags.env as string[] | undefined) ?? []) argv.push('-e', e);
    if (flags.user) argv.push('-u', flags.user as string);
    if (flags.workdir) argv.push('-w', flags.workdir as string);
    return execCommand({ ...ctx.raw, argv: [...argv, c.Id, ...cmd] });
  },
};

const run: Subcommand = {
  usage: 'docker compose run [OPTIONS] SERVICE [COMMAND] [ARGS...]',
  description: 'Run a one-off command on a service',
  stopAtArgs: true,
  flags: [b('rm', 'Automatically remove the container when it exits'), b('detach', 'Run container in background and print container ID', 'd'), l('env', 'Set environment variables', 'e'), s('name', 'Assign a name to the container'), b('no-deps', "Don't start linked services"), s('user', 'Run as specified username or uid', 'u'), s('workdir', 'Working directory inside the container', 'w'), s('entrypoint', 'Override the entrypoint of the image'), b('build', 'Build image before starting container')],
  async run(ctx, flags, args) {
    const [service, ...cmd] = args;
    if (service === undefined) throw new CliError('"docker compose run" requires at least 1 argument.');
    const { project } = await ctx.project();
    const config = project.services[service];
    if (!config) throw new CliError(`no such service: ${service}`);
    const deps = flags['no-deps'] ? [] : startOrder(project, [service]).filter((x) => x !== service);
    if (deps.length > 0) await converge(ctx, project, { services: deps, build: false, scale: new Map(), noDeps: true });
    const progress = ctx.progress();
    await ensureNetworks(ctx, project, [service], progress);
    await ensureVolumes(ctx, project, [service], progress);
    const imageId = await ensureImage(ctx, project, service, flags.build === true);
    const slug = Array.from(crypto.getRandomValues(new Uint8Array(6)), (x) => x.toString(16).padStart(2, '0')).join('');
    const name = (flags.name as string | undefined) ?? `${project.name}-${service}-run-${slug}`;
    const plan = containerPlan(project, service, 1, { oneoff: true, imageId, name });
    // a one-off run publishes no ports (Compose's --service-ports is off by default)
    plan.body.HostConfig = { ...plan.body.HostConfig, PortBindings: {}, AutoRemove: flags.rm === true };
    if (cmd.length > 0) plan.body.Cmd = cmd;
    if (flags.entrypoint !== undefined) plan.body.Entrypoint = flags.entrypoint === '' ? [''] : [flags.entrypoint as string];
    if (flags.user) plan.body.User = flags.user as string;
    if (flags.workdir) plan.body.WorkingDir = flags.workdir as string;
    for (const e of (flags.env as string[] | undefined) ?? []) (plan.body.Env ??= []).push(e);
    const interactive = !flags.detach && ctx.raw.session.hasStdin;
    const tty = !flags.detach && ctx.raw.session.tty !== undefined;
    Object.assign(plan.body, { Tty: tty, OpenStdin: interactive, StdinOnce: interactive, AttachStdin: interactive });
    const { Id } = await ctx.client.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body: plan.body });
    return startAndFollow({ ...ctx.raw, path: 'docker compose run' }, Id, {
      detach: flags.detach === true,
      interactive: interactive && tty,
      autoRemove: flags.rm === true,
      tty,
      command: 'docker compose run',
      stdin: interactive ? 'once' : 'none',
      sigProxy: true,
    });
  },
};

const ls: Subcommand = {
  usage: 'docker compose ls [OPTIONS]',
  description: 'List running compose projects',
  flags: [b('all', 'Show all stopped Compose projects', 'a'), b('quiet', 'Only display project names', 'q'), s('format', 'Format the output. Values: [table | json]')],
  async run(ctx, flags) {
    const list = await ctx.client.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: true, filters: JSON.stringify({ label: [LABEL.project] }) } });
    const projects = new Map<string, { states: Map<string, number>; files: string }>();
    for (const c of list) {
      const name = c.Labels[LABEL.project] as string;
      const p = projects.get(name) ?? { states: new Map(), files: c.Labels[LABEL.configFiles] ?? '' };
      p.states.set(c.State, (p.states.get(c.State) ?? 0) + 1);
      projects.set(name, p);
    }
    const rows = [...projects.entries()]
      .filter(([, p]) => flags.all || p.states.has('running'))
      .sort(([a], [z]) => (a < z ? -1 : 1))
      .map(([name, p]) => ({ Name: name, Status: [...p.states.entries()].sort(([a], [z]) => (a < z ? -1 : 1)).map(([st, n]) => `${st}(${n})`).join(', '), ConfigFiles: p.files }));
    if (flags.quiet) ctx.out(rows.map((r) => `${r.Name}\n`).join(''));
    else ctx.out(formatList(flags.format as string | undefined, rows, { defaultTable: '{{.Name}}\t{{.Status}}\t{{.ConfigFiles}}', headers: { Name: 'NAME', Status: 'STATUS', ConfigFiles: 'CONFIG FILES' } }));
    return 0;
  },
};

const top: Subcommand = {
  usage: 'docker compose top [SERVICES...]',
  description: 'Display the running processes',
  flags: [],
  async run(ctx, _flags, args) {
    for (const c of await ctx.containers({ services: args })) {
      const t = await ctx.client.json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${c.Id}/top`);
      ctx.out(`${nameOf(c)}\n${tabulate([t.Titles.join('\t'), ...t.Processes.map((p) => p.join('\t'))].join('\n'), { padding: 3 })}\n\n`);
    }
    return 0;
  },
};

const port: Subcommand = {
  usage: 'docker compose port [OPTIONS] SERVICE PRIVATE_PORT',
  description: 'Print the public port for a port binding',
  flags: [s('protocol', 'tcp or udp'), s('index', 'Index of the container if service has multiple replicas')],
  async run(ctx, flags, args) {
    const [service, privatePort] = args;
    if (service === undefined || privatePort === undefined || args.length !== 2) throw new CliError('"docker compose port" requires exactly 2 arguments.');
    const c = await serviceContainer(ctx, service, Number(flags.index ?? 1));
    const key = `${privatePort}/${(flags.protocol as string | undefined) ?? 'tcp'}`;
    const i = await ctx.client.json<{ NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> } }>('GET', `/containers/${c.Id}/json`);
    const binding = i.NetworkSettings.Ports[key]?.[0];
    if (!binding) throw new CliError(`no port ${key} for container ${nameOf(c)}: not found`);
    ctx.out(`${binding.HostIp || '0.0.0.0'}:${binding.HostPort}\n`);
    return 0;
  },
};

const build: Subcommand = {
  usage: 'docker compose build [OPTIONS] [SERVICE...]',
  description: 'Build or rebuild services',
  flags: [b('quiet', "Don't print anything to STDOUT", 'q')],
  async run(ctx, _flags, args) {
    const { project } = await ctx.project();
    for (const name of args.length > 0 ? args : Object.keys(project.services)) {
      if (!project.services[name]) throw new CliError(`no such service: ${name}`);
      if (project.services[name]?.build) await buildService(ctx, project, name);
    }
    return 0;
  },
};

const pull: Subcommand = {
  usage: 'docker compose pull [OPTIONS] [SERVICE...]',
  description: 'Pull service images',
  flags: [b('quiet', 'Pull without printing progress information', 'q'), b('ignore-buildable', 'Ignore images that can be built')],
  async run(ctx, _flags, args) {
    const { project } = await ctx.project();
    for (const name of args.length > 0 ? args : Object.keys(project.services)) {
      const svc = project.services[name];
      if (!svc) throw new CliError(`no such service: ${name}`);
      if (svc.image === undefined) continue;
      await pullServiceImage(ctx, name, svc.image);
    }
    return 0;
  },
};

export const SUBCOMMANDS: Record<string, Subcommand> = {
  build, config, down, exec, logs, ls, port, ps, pull, restart: lifecycle('restart', 'Restart service containers', 'Restarting', 'Started'), run,
  start: lifecycle('start', 'Start services', 'Starting', 'Started'), stop: lifecycle('stop', 'Stop services', 'Stopping', 'Stopped'), top, up,
};
