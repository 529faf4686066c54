// A Compose service to Engine API objects named and labelled as Compose v2 does: `<project>-<service>-<n>`
// containers, `<project>_<key>` networks and volumes, the `com.docker.compose.*` labels.
import { parseGoDuration } from '../../compose/durations.ts';
import type { ComposeProject, ServiceConfig } from '../../compose/model.ts';
import { serviceConfigHash } from '../../compose/config-hash.ts';
import type { ContainerCreateRequest } from '../../api/types/container.ts';

export const COMPOSE_VERSION = '2.29.7';
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  hash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  version: 'com.docker.compose.version',
} as const;

export const containerName = (project: string, service: string, n: number) => `${project}-${service}-${n}`;

/** The image a service runs: its `image`, or `<project>-<service>` for a build without one (Compose v2's name). */
export function serviceImage(project: ComposeProject, name: string): string {
  return project.services[name]?.image ?? `${project.name}-${name}`;
}

export function replicas(service: ServiceConfig): number {
  return service.deploy?.replicas ?? 1;
}

function nanos(duration: string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  return (parseGoDuration(duration) ?? 0) * 1e6;
}

export interface ContainerPlan {
  name: string;
  body: ContainerCreateRequest & { Healthcheck?: Record<string, unknown> };
  /** networks after the first, connected once the container exists */
  extraNetworks: { network: string; aliases: string[] }[];
}

export function containerPlan(project: ComposeProject, serviceName: string, number: number, options: { oneoff?: boolean; imageId?: string; name?: string } = {}): ContainerPlan {
  const s = project.services[serviceName] as ServiceConfig;
  const name = options.name ?? containerName(project.name, serviceName, number);
  const labels: Record<string, string> = {
    ...(s.labels ?? {}),
    [LABEL.project]: project.name,
    [LABEL.service]: serviceName,
    [LABEL.number]: String(number),
    [LABEL.oneoff]: options.oneoff ? 'True' : 'False',
    [LABEL.hash]: serviceConfigHash(s),
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.files.join(','),
    [LABEL.dependsOn]: Object.entries(s.depends_on ?? {}).map(([d, v]) => `${d}:${v.condition}:${v.restart ? 'true' : 'false'}`).join(','),
    [LABEL.version]: COMPOSE_VERSION,
    ...(options.imageId ? { [LABEL.image]: options.imageId } : {}),
  };
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of s.ports ?? []) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.host_ip ?? '', HostPort: p.published ?? '' });
  }
  for (const e of s.expose ?? []) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  for (const v of s.volumes ?? []) {
    const ro = v.read_only ? ':ro' : '';
    if (v.type === 'bind') binds.push(`${v.source}:${v.target}${ro}`);
    else if (v.source !== undefined) binds.push(`${project.volumes[v.source]?.name ?? v.source}:${v.target}${ro}`);
    else anonymous[v.target] = {};
  }
  const nets = Object.entries(s.networks ?? {});
  const endpoint = ([key, cfg]: (typeof nets)[number]) => ({
    network: project.networks[key]?.name ?? key,
    aliases: [name, serviceName, ...(cfg?.aliases ?? [])],
  });
  const [first, ...rest] = nets.map(endpoint);
  const restart = s.restart === undefined || s.restart === 'no' ? undefined : s.restart.split(':');
  const h = s.healthcheck;
  const body: ContainerPlan['body'] = {
    Hostname: s.hostname ?? '',
    User: s.user ?? '',
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: Object.entries(s.environment ?? {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`),
    Cmd: s.command ?? null,
    Image: serviceImage(project, serviceName),
    Volumes: Object.keys(anonymous).length > 0 ? anonymous : null,
    WorkingDir: s.working_dir ?? '',
    Entrypoint: s.entrypoint === undefined ? null : s.entrypoint === null || s.entrypoint.length === 0 ? [''] : s.entrypoint,
    Labels: labels,
    ExposedPorts: Object.keys(exposed).length > 0 ? exposed : null,
    HostConfig: {
      Binds: binds,
      NetworkMode: first?.network ?? 'default',
      PortBindings: bindings,
      RestartPolicy: restart ? { Name: restart[0] as string, MaximumRetryCount: Number(restart[1] ?? 0) } : { Name: 'no' },
      ...(s.cap_add ? { CapAdd: s.cap_add } : {}),
      ...(s.cap_drop ? { CapDrop: s.cap_drop } : {}),
      ...(s.init !== undefined ? { Init: s.init } : {}),
      ...(s.privileged ? { Privileged: true } : {}),
      ...(s.read_only ? { ReadonlyRootfs: true } : {}),
    },
    NetworkingConfig: first ? { EndpointsConfig: { [first.network]: { Aliases: first.aliases } } } : null,
  };
  if (h) {
    body.Healthcheck = h.disable
      ? { Test: ['NONE'] }
      : {
          ...(h.test ? { Test: h.test } : {}),
          ...(h.interval ? { Interval: nanos(h.interval) } : {}),
          ...(h.timeout ? { Timeout: nanos(h.timeout) } : {}),
          ...(h.retries !== undefined ? { Retries: h.retries } : {}),
          ...(h.start_period ? { StartPeriod: nanos(h.start_period) } : {}),
          ...(h.start_interval ? { StartInterval: nanos(h.start_interval) } : {}),
        };
  }
  return { name, body, extraNetworks: rest };
}
