// `up`'s work, as Compose's convergence does it: networks and volumes first, images pulled or built when missing,
// then each service in dependency order: containers created, recreated when their config hash changed, scaled,
// started once the services they depend on meet their condition.
import { formatGoDuration } from '../../compose/durations.ts';
import { startOrder } from '../../compose/graph.ts';
import type { ComposeProject } from '../../compose/model.ts';
import { serviceConfigHash } from '../../compose/config-hash.ts';
import type { ContainerSummary } from '../../containers/container-json.ts';
import { CliError } from '../command.ts';
import { DaemonError, imagePath } from '../engine-client.ts';
import type { ComposeContext } from './compose-context.ts';
import { nameOf } from './compose-context.ts';
import { buildService, pullServiceImage } from './images.ts';
import type { ComposeProgress } from './progress.ts';
import { containerName, containerPlan, COMPOSE_VERSION, LABEL, replicas, serviceImage } from './service-container.ts';

const enc = encodeURIComponent;

/** Whether the engine has the object at `path` (a 404 says no; any other error is the caller's). */
async function exists(ctx: ComposeContext, path: string): Promise<boolean> {
  try {
    await ctx.client.request('GET', path);
    return true;
  } catch (e) {
    if (e instanceof DaemonError && e.status === 404) return false;
    throw e;
  }
}

export async function ensureNetworks(ctx: ComposeContext, project: ComposeProject, services: string[], progress: ComposeProgress): Promise<void> {
  const keys = new Set(services.flatMap((s) => Object.keys(project.services[s]?.networks ?? {})));
  for (const key of [...keys].sort()) {
    const n = project.networks[key];
    if (!n) continue;
    if (await exists(ctx, `/networks/${enc(n.name)}`)) continue;
    if (n.external) throw new CliError(`network ${n.name} declared as external, but could not be found`);
    const id = `Network ${n.name}`;
    progress.event(id, 'Creating', 'working');
    await ctx.client.request('POST', '/networks/create', {
      body: { Name: n.name, Driver: n.driver ?? 'bridge', Labels: { ...(n.labels ?? {}), [LABEL.network]: key, [LABEL.project]: project.name, [LABEL.version]: COMPOSE_VERSION } },
    });
    progress.event(id, 'Created', 'done');
  }
}

export async function ensureVolumes(ctx: ComposeContext, project: ComposeProject, services: string[], progress: ComposeProgress): Promise<void> {
  const keys = new Set(services.flatMap((s) => (project.services[s]?.volumes ?? []).filter((v) => v.type === 'volume' && v.source !== undefined).map((v) => v.source as string)));
  for (const key of [...keys].sort()) {
    const v = project.volumes[key];
    if (!v) continue;
    if (await exists(ctx, `/volumes/${enc(v.name)}`)) continue;
    if (v.external) throw new CliError(`external volume "${v.name}" not found`);
    const id = `Volume "${v.name}"`;
    progress.event(id, 'Creating', 'working');
    await ctx.client.request('POST', '/volumes/create', { body: { Name: v.name, Labels: { ...(v.labels ?? {}), [LABEL.project]: project.name, [LABEL.volume]: key, [LABEL.version]: COMPOSE_VERSION } } });
    progress.event(id, 'Created', 'done');
  }
}

/** The image ID a service's containers should run, pulling or building it when it is missing (or `build`). */
export async function ensureImage(ctx: ComposeContext, project: ComposeProject, service: string, build: boolean): Promise<string> {
  const s = project.services[service];
  const image = serviceImage(project, service);
  const inspect = async () => (await ctx.client.json<{ Id: string }>('GET', `/images/${imagePath(image)}/json`)).Id;
  if (s?.build && build) return buildService(ctx, project, service);
  try {
    return await inspect();
  } catch (e) {
    if (!(e instanceof DaemonError) || e.status !== 404) throw e;
  }
  if (s?.build) return buildService(ctx, project, service);
  await pullServiceImage(ctx, service, image);
  return inspect();
}

export async function removeContainer(ctx: ComposeContext, c: ContainerSummary, progress: ComposeProgress, o: { volumes?: boolean; timeout?: string | undefined } = {}): Promise<void> {
  const id = `Container ${nameOf(c)}`;
  if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
    progress.event(id, 'Stopping', 'working');
    await ctx.client.request('POST', `/containers/${c.Id}/stop`, { query: { t: o.timeout } });
    progress.event(id, 'Stopped', 'done');
  }
  progress.event(id, 'Removing', 'working');
  await ctx.client.request('DELETE', `/containers/${c.Id}`, { query: { force: true, v: o.volumes === true } });
  progress.event(id, 'Removed', 'done');
}


async function createContainer(ctx: ComposeContext, project: ComposeProject, service: string, number: number, imageId: string): Promise<string> {
  const plan = containerPlan(project, service, number, { imageId });
  const r = await ctx.client.json<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', { query: { name: plan.name }, body: plan.body });
  for (const n of plan.extraNetworks) {
    await ctx.client.request('POST', `/networks/${enc(n.network)}/connect`, { body: { Container: r.Id, EndpointConfig: { Aliases: n.aliases } } });
  }
  return r.Id;
}

interface Inspected {
  State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } };
  Config: { Healthcheck?: { Test?: string[] } };
}

/** Waits for a dependency's condition, as Compose does before starting a service that depends on it. */
async function waitFor(ctx: ComposeContext, c: ContainerSummary, condition: string, progress: ComposeProgress, timeoutMs = 120_000): Promise<void> {
  const id = `Container ${nameOf(c)}`;
  if (condition === 'service_started') return;
  progress.event(id, 'Waiting', 'working');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = await ctx.client.json<Inspected>('GET', `/containers/${c.Id}/json`);
    if (condition === 'service_healthy') {
      const health = i.State.Health?.Status;
      if (health === undefined && !i.Config.Healthcheck?.Test) {
        progress.event(id, 'Error', 'error');
        throw new CliError(`container ${nameOf(c)} has no healthcheck configured`);
      }
      if (health === 'healthy') return progress.event(id, 'Healthy', 'done');
      if (health === 'unhealthy') {
        progress.event(id, 'Error', 'error');
        throw new CliError(`dependency failed to start: container ${nameOf(c)} is unhealthy`);
      }
      if (!i.State.Running) {
        progress.event(id, 'Error', 'error');
        throw new CliError(`dependency failed to start: container ${nameOf(c)} exited (${i.State.ExitCode})`);
      }
    } else if (!i.State.Running && i.State.Status !== 'created') {
      if (i.State.ExitCode === 0) return progress.event(id, 'Exited', 'done');
      progress.event(id, 'Error', 'error');
      throw new CliError(`service "${c.Labels[LABEL.service]}" didn't complete successfully: exit ${i.State.ExitCode}`);
    }
    if (Date.now() > deadline) throw new CliError(`timeout waiting for ${nameOf(c)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface UpOptions {
  services: string[];
  build: boolean;
  scale: Map<string, number>;
  noDeps?: boolean;
  forceRecreate?: boolean;
  noStart?: boolean;
  removeOrphans?: boolean;
}

/** Brings the selected services (and their dependencies) to the file's state; resolves with their containers. */
export async function converge(ctx: ComposeContext, project: ComposeProject, o: UpOptions): Promise<ContainerSummary[]> {
  for (const s of [...o.services, ...o.scale.keys()]) if (!project.services[s]) throw new CliError(`no such service: ${s}`);
  const order = o.noDeps ? o.services : startOrder(project, o.services.length > 0 ? o.services : undefined);
  const images = new Map<string, string>();
  for (const s of order) images.set(s, await ensureImage(ctx, project, s, o.build));
  const progress = ctx.progress();
  await ensureNetworks(ctx, project, order, progress);
  await ensureVolumes(ctx, project, order, progress);
  const existing = await ctx.containers({ all: true });
  const known = new Set(Object.keys(project.services));
  const orphans = existing.filter((c) => !known.has(c.Labels[LABEL.service] ?? ''));
  if (o.removeOrphans) for (const c of orphans) await removeContainer(ctx, c, progress);
  else if (orphans.length > 0) {
    ctx.err(`WARN[0000] Found orphan containers ([${orphans.map(nameOf).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
  }
  const result: ContainerSummary[] = [];
  const started = new Map<string, ContainerSummary[]>();
  for (const service of order) {
    const config = project.services[service];
    if (!config) continue;
    const want = o.scale.get(service) ?? replicas(config);
    const hash = serviceConfigHash(config);
    const imageId = images.get(service) as string;
    const mine = existing.filter((c) => c.Labels[LABEL.service] === service);
    const byNumber = new Map(mine.map((c) => [Number(c.Labels[LABEL.number]), c]));
    // scaled down: the highest numbers go, as Compose removes them
    for (const c of mine) if (Number(c.Labels[LABEL.number]) > want) await removeContainer(ctx, c, progress);
    for (const [dep, d] of Object.entries(config.depends_on ?? {})) {
      for (const c of started.get(dep) ?? []) await waitFor(ctx, c, d.condition, progress);
    }
    const ids: string[] = [];
    for (let n = 1; n <= want; n++) {
      const c = byNumber.get(n);
      const name = containerName(project.name, service, n);
      const id = `Container ${name}`;
      try {
        if (c && !o.forceRecreate && c.Labels[LABEL.hash] === hash && (c.Labels[LABEL.image] ?? imageId) === imageId) {
          ids.push(c.Id);
          if (c.State === 'running') progress.event(id, 'Running', 'done');
          else if (!o.noStart) {
            progress.event(id, 'Starting', 'working');
            await ctx.client.request('POST', `/containers/${c.Id}/start`);
            progress.event(id, 'Started', 'done');
          }
          continue;
        }
        if (c) {
          progress.event(id, 'Recreate', 'working');
          if (c.State === 'running') await ctx.client.request('POST', `/containers/${c.Id}/stop`);
          await ctx.client.request('DELETE', `/containers/${c.Id}`, { query: { force: true } });
          ids.push(await createContainer(ctx, project, service, n, imageId));
          progress.event(id, 'Recreated', 'done');
        } else {
          progress.event(id, 'Creating', 'working');
          ids.push(await createContainer(ctx, project, service, n, imageId));
          progress.event(id, 'Created', 'done');
        }
        if (!o.noStart) {
          progress.event(id, 'Starting', 'working');
          await ctx.client.request('POST', `/containers/${ids[ids.length - 1]}/start`);
          progress.event(id, 'Started', 'done');
        }
      } catch (e) {
        // the row says which object failed; the objects made so far stay, listed above, as Compose leaves them
        progress.event(id, 'Error', 'error');
        throw e;
      }
    }
    const now = (await ctx.containers({ all: true, services: [service] })).filter((c) => ids.includes(c.Id));
    started.set(service, now);
    result.push(...now);
  }
  return result;
}

/** `up --wait`: every container running, and healthy when it has a healthcheck. */
export async function waitRunningOrHealthy(ctx: ComposeContext, containers: ContainerSummary[], timeoutMs: number): Promise<boolean> {
  const progress = ctx.progress();
  let ok = true;
  const problems: string[] = [];
  // one deadline for the whole project, as Compose's --wait-timeout is one context timeout
  const deadline = Date.now() + timeoutMs;
  let timedOut = false;
  for (const c of containers) {
    const id = `Container ${nameOf(c)}`;
    progress.event(id, 'Waiting', 'working');
    for (;;) {
      const i = await ctx.client.json<Inspected>('GET', `/containers/${c.Id}/json`);
      const health = i.State.Health?.Status;
      if (!i.State.Running || health === 'unhealthy') {
        progress.event(id, i.State.Running ? 'Unhealthy' : 'Exited', 'error');
        problems.push(i.State.Running ? `container ${nameOf(c)} is unhealthy` : `container ${nameOf(c)} exited (${i.State.ExitCode})`);
        ok = false;
        break;
      }
      if (health === undefined || health === 'healthy') {
        progress.event(id, 'Healthy', 'done');
        break;
      }
      if (timedOut || Date.now() > deadline) {
        // the progress line names the container still starting; the message is Compose's
        progress.event(id, 'Error', 'error');
        if (!timedOut) problems.push(`application not healthy after ${formatGoDuration(timeoutMs)}`);
        timedOut = true;
        ok = false;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (problems.length > 0) ctx.err(`${problems.join('\n')}\n`);
  return ok;
}
