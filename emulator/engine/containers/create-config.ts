// dockerd's checks of a `POST /containers/create` body (from drydock's CLI or any Docker client), in its order
// (verifyContainerSettings, validateHostConfig, the router's network reading), giving the ContainerCreateConfig the
// daemon works from; and the body's volumes read as mounts (moby's volume spec parser over Binds and Volumes).
import { EngineError } from '../errors.ts';
import type { EndpointSettingsJSON } from '../network/endpoint-settings.ts';
import { validatePortBindings, type PortBindingJSON } from '../network/ports.ts';
import type { ContainerCreateConfig, ContainerCreateRequest, EndpointConfig, RestartPolicy } from '../api/types/container.ts';
import { parseVolume, type VolumeMount } from './volume-spec.ts';
import { healthConfigError } from './health.ts';
import { tmpfsDestinationError, tmpfsOptions, validIpcMode, validPidMode, validUtsMode } from './namespace-modes.ts';
import { ULIMIT_TYPES, ulimitRefusal } from './ulimits.ts';

const bad = (message: string) => new EngineError('INVALID_ARGUMENT', message, { details: { origin: 'daemon' } });

/**
 * A create body checked as dockerd checks it, with its messages; the result is the body's own parts, normalized
 * where dockerd normalizes them. Networks and links are checked against the engine's networks and containers at
 * create (network/create-network.ts).
 */
export function verifyCreateRequest(body: ContainerCreateRequest, query: { name?: string | null; platform?: string | null } = {}): ContainerCreateConfig {
  if (typeof body?.Image !== 'string' || body.Image === '') throw bad('No image was specified');
  const { HostConfig: sentHost, NetworkingConfig: sentNetworking, ...config } = body;
  const host = sentHost ?? {};
  const networking = networkingFrom(body);
  createMounts(body);
  const restart: RestartPolicy = { Name: (host.RestartPolicy?.Name || 'no') as RestartPolicy['Name'], MaximumRetryCount: host.RestartPolicy?.MaximumRetryCount ?? 0 };
  // dockerd's validateHostConfig, in its order
  if ((host.AutoRemove ?? false) && restart.Name !== 'no') throw bad("can't create 'AutoRemove' container with restart policy");
  const restartError = restartPolicyError(restart);
  if (restartError !== undefined) throw bad(restartError);
  // moby (daemon_unix.go verifyPlatformContainerSettings): Linux's HOST_NAME_MAX, where runc's sethostname would fail
  if (new TextEncoder().encode(body.Hostname ?? '').length > 64) throw bad(`hostname ${JSON.stringify(body.Hostname)} is too long (maximum 64 bytes)`);
  const memory = host.Memory ?? 0;
  if (memory !== 0 && memory < 6 * 1024 * 1024) throw bad('Minimum memory limit allowed is 6MB');
  const nanoCpus = host.NanoCpus ?? 0;
  if (nanoCpus < 0 || nanoCpus > 1e9 || (nanoCpus > 0 && nanoCpus < 1e7)) throw bad('Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available');
  const name = query.name?.replace(/^\//, '');
  if (name && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) throw bad(`Invalid container name (${query.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (body.WorkingDir && !body.WorkingDir.startsWith('/')) throw bad(`the working directory '${body.WorkingDir}' is invalid, it needs to be an absolute path`);
  verifyHostOptions(body);
  return {
    ...(name ? { Name: name } : {}),
    ...(query.platform ? { Platform: query.platform } : {}),
    Config: config,
    HostConfig: {
      ...host,
      NetworkMode: networking.mode,
      PortBindings: networking.bindings,
      RestartPolicy: restart,
      ...(host.Devices?.length ? { Devices: host.Devices.map((d) => ({ PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer || d.PathOnHost, CgroupPermissions: d.CgroupPermissions || 'rwm' })) } : {}),
      ...(host.Ulimits?.length ? { Ulimits: host.Ulimits.map((u) => ({ Name: u!.Name, Soft: u!.Soft, Hard: u!.Hard })) } : {}),
    },
    NetworkingConfig: { EndpointsConfig: networking.endpoints },
  };
}

/** The body's `-v`s: HostConfig.Binds parsed (moby's errors), then the anonymous Config.Volumes no bind covers. */
export function createMounts(body: Pick<ContainerCreateRequest, 'HostConfig' | 'Volumes'>): VolumeMount[] {
  const volumes = (body.HostConfig?.Binds ?? []).map((b) => parseVolume(b, '/', bad));
  for (const destination of Object.keys(body.Volumes ?? {})) {
    if (!volumes.some((v) => v.destination === destination)) volumes.push({ type: 'volume', destination, readOnly: false });
  }
  return volumes;
}

/** moby's ValidateRestartPolicy (api/types/container), the daemon's check of a create body. */
export function restartPolicyError(policy: { Name: string; MaximumRetryCount: number }): string | undefined {
  const { Name: name, MaximumRetryCount: count } = policy;
  if (name === 'always' || name === 'unless-stopped' || name === 'no') {
    if (count !== 0) return `invalid restart policy: maximum retry count can only be used with 'on-failure'${count < 0 ? ' and cannot be negative' : ''}`;
    return undefined;
  }
  if (name === 'on-failure') return count < 0 ? 'invalid restart policy: maximum retry count cannot be negative' : undefined;
  if (name === '') return undefined;
  return `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`;
}

/**
 * The namespaces, tmpfs mounts, /dev/shm size, ulimits and health check of a create body, checked as dockerd
 * does (verifyContainerSettings and the platform's checks), with its messages.
 */
function verifyHostOptions(body: ContainerCreateRequest): void {
  const host = body.HostConfig ?? {};
  const ipc = host.IpcMode ?? '';
  if (!validIpcMode(ipc)) throw bad(`invalid IPC mode: ${ipc}`);
  const pid = host.PidMode ?? '';
  if (!validPidMode(pid)) throw bad(`invalid PID mode: ${pid}`);
  const uts = host.UTSMode ?? '';
  if (!validUtsMode(uts)) throw bad(`invalid UTS mode: ${uts}`);
  if (uts === 'host' && body.Hostname) throw bad('conflicting options: hostname and the UTS mode');
  if ((host.ShmSize ?? 0) < 0) throw bad('SHM size can not be less than 0');
  for (const [destination, data] of Object.entries(host.Tmpfs ?? {})) {
    const error = tmpfsDestinationError(destination);
    if (error) throw bad(error);
    try {
      tmpfsOptions(data);
    } catch (e) {
      throw bad((e as Error).message);
    }
  }
  for (const u of host.Ulimits ?? []) {
    if (!(String(u?.Name) in ULIMIT_TYPES)) throw bad(`invalid ulimit type: ${u?.Name}`);
    const refusal = ulimitRefusal(u!);
    if (refusal) throw bad(refusal);
  }
  const healthError = healthConfigError(body.Healthcheck);
  if (healthError) throw bad(healthError);
}

/**
 * The network part of a create body as dockerd's router reads it: `default` (or nothing) is the bridge, an
 * endpoint config under `default` moves to `bridge`; port bindings checked (validatePortBindings); an API 1.43
 * client may name one network only.
 */
function networkingFrom(body: ContainerCreateRequest): { mode: string; endpoints: Record<string, EndpointConfig>; bindings: Record<string, PortBindingJSON[]> } {
  const host = body.HostConfig ?? {};
  let mode = host.NetworkMode ?? '';
  const endpoints: Record<string, EndpointConfig> = {};
  for (const [name, ep] of Object.entries(body.NetworkingConfig?.EndpointsConfig ?? {})) {
    if (ep === null) throw bad(`invalid config for network ${name}: EndpointsConfig is nil`);
    endpoints[name] = endpointConfigOf(ep);
  }
  if (mode === '' || mode === 'default') {
    mode = 'bridge';
    const ep = endpoints['default'];
    if (ep !== undefined) {
      delete endpoints['default'];
      endpoints['bridge'] = ep;
    }
  }
  if (Object.keys(endpoints).length > 1) throw bad(`Container cannot be created with multiple network endpoints: ${Object.keys(endpoints).join(', ')}`);
  try {
    validatePortBindings(host.PortBindings);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const bindings: Record<string, PortBindingJSON[]> = {};
  for (const [port, list] of Object.entries(host.PortBindings ?? {})) {
    bindings[port] = (list ?? []).map((b) => ({ HostIp: b?.HostIp ?? '', HostPort: b?.HostPort ?? '' }));
  }
  return { mode, endpoints, bindings };
}

function endpointConfigOf(ep: Partial<EndpointSettingsJSON>): EndpointConfig {
  const out: EndpointConfig = {};
  if (ep.IPAMConfig) out.IPAMConfig = { ...ep.IPAMConfig };
  if (ep.Links?.length) out.Links = [...ep.Links];
  if (ep.Aliases?.length) out.Aliases = [...ep.Aliases];
  if (ep.MacAddress) out.MacAddress = ep.MacAddress;
  if (ep.DriverOpts && Object.keys(ep.DriverOpts).length > 0) out.DriverOpts = { ...ep.DriverOpts };
  return out;
}
