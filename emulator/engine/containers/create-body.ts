// `POST /containers/create` bodies (Engine API ContainerConfig + HostConfig) read into a RunRequest, as dockerd reads
// what any client sends; drydock's CLI makes its bodies in cli/run-body.ts, so it and a real Docker client agree.
import { EngineError } from '../errors.ts';
import type { EndpointSettingsJSON } from '../network/endpoint-settings.ts';
import { validatePortBindings, type PortBindingJSON, type PortSet } from '../network/ports.ts';
import type { EndpointConfig } from '../network/run-network-options.ts';
import type { RestartPolicy, RunRequest, VolumeMount } from './run-options.ts';
import { parseVolume, restartPolicyError } from './run-options.ts';
import { healthConfigError, type HealthConfig } from './health.ts';
import { tmpfsDestinationError, tmpfsOptions, validIpcMode, validPidMode, validUtsMode } from './namespace-modes.ts';
import { ULIMIT_TYPES, ulimitRefusal, type Ulimit } from './ulimits.ts';

/** The request body of `POST /containers/create?name=...` (the fields drydock reads). */
export interface ContainerCreateBody {
  Hostname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Image: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  /** `[""]` resets the image's entrypoint, as the docker CLI sends `--entrypoint ""` */
  Entrypoint?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  Healthcheck?: HealthConfig | null;
  ExposedPorts?: PortSet | null;
  /** deprecated container-wide MAC (API < 1.44 clients, drydock's 1.43) */
  MacAddress?: string;
  HostConfig?: {
    Binds?: string[] | null;
    NetworkMode?: string;
    PortBindings?: Record<string, PortBindingJSON[] | null> | null;
    Links?: string[] | null;
    PublishAllPorts?: boolean;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    AutoRemove?: boolean;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    GroupAdd?: string[] | null;
    Privileged?: boolean;
    SecurityOpt?: string[] | null;
    Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] | null;
    ReadonlyRootfs?: boolean;
    Memory?: number;
    NanoCpus?: number;
    PidsLimit?: number | null;
    Tmpfs?: Record<string, string> | null;
    ShmSize?: number;
    Ulimits?: Ulimit[] | null;
    IpcMode?: string;
    PidMode?: string;
    UTSMode?: string;
    Init?: boolean | null;
  };
  NetworkingConfig?: { EndpointsConfig?: Record<string, Partial<EndpointSettingsJSON> | null> | null } | null;
}

const bad = (message: string) => new EngineError('INVALID_ARGUMENT', message, { details: { origin: 'daemon' } });

/**
 * The daemon side: a create body (from drydock's CLI or any Docker client) back into a RunRequest. Networks and
 * links are checked against the engine's networks and containers at create (network/create-network.ts).
 */
export function runRequestFromBody(body: ContainerCreateBody, query: { name?: string | null; platform?: string | null } = {}): RunRequest {
  if (typeof body?.Image !== 'string' || body.Image === '') throw bad('No image was specified');
  const host = body.HostConfig ?? {};
  const network = networkFromBody(body);

  const fail = (m: string) => bad(m);
  const volumes: VolumeMount[] = (host.Binds ?? []).map((b) => parseVolume(b, '/', fail));
  for (const destination of Object.keys(body.Volumes ?? {})) {
    if (!volumes.some((v) => v.destination === destination)) volumes.push({ type: 'volume', destination, readOnly: false });
  }
  const entrypoint = body.Entrypoint ?? undefined;
  const restartName = host.RestartPolicy?.Name || 'no';
  const restartCount = host.RestartPolicy?.MaximumRetryCount ?? 0;
  // dockerd's validateHostConfig, in its order
  if ((host.AutoRemove ?? false) && restartName !== 'no') throw bad("can't create 'AutoRemove' container with restart policy");
  const restartError = restartPolicyError({ name: restartName, maximumRetryCount: restartCount });
  if (restartError !== undefined) throw bad(restartError);
  // moby (daemon_unix.go verifyPlatformContainerSettings): Linux's HOST_NAME_MAX, where runc's sethostname would fail
  if (new TextEncoder().encode(body.Hostname ?? '').length > 64) throw bad(`hostname ${JSON.stringify(body.Hostname)} is too long (maximum 64 bytes)`);
  const memory = host.Memory ?? 0;
  if (memory !== 0 && memory < 6 * 1024 * 1024) throw bad('Minimum memory limit allowed is 6MB');
  const nanoCpus = host.NanoCpus ?? 0;
  if (nanoCpus < 0 || nanoCpus > 1e9 || (nanoCpus > 0 && nanoCpus < 1e7)) throw bad('Range of CPUs is from 0.01 to 1.00, as there are only 1 CPUs available');

  const request: RunRequest = {
    image: body.Image,
    command: [...(body.Cmd ?? [])],
    detach: !(body.AttachStdout ?? false),
    interactive: body.OpenStdin ?? false,
    tty: body.Tty ?? false,
    autoRemove: host.AutoRemove ?? false,
    quiet: false,
    env: [...(body.Env ?? [])],
    volumes,
    readOnly: host.ReadonlyRootfs ?? false,
    memory,
    pidsLimit: Math.max(0, host.PidsLimit ?? 0),
    nanoCpus,
    capAdd: [...(host.CapAdd ?? [])],
    capDrop: [...(host.CapDrop ?? [])],
    ...(host.GroupAdd?.length ? { groupAdd: [...host.GroupAdd] } : {}),
    ...(host.SecurityOpt?.length ? { securityOpt: [...host.SecurityOpt] } : {}),
    ...(host.Devices?.length ? { devices: host.Devices.map((d) => ({ PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer || d.PathOnHost, CgroupPermissions: d.CgroupPermissions || 'rwm' })) } : {}),
    privileged: host.Privileged ?? false,
    ...network,
    labels: { ...(body.Labels ?? {}) },
    restart: { name: restartName as RestartPolicy['name'], maximumRetryCount: restartCount },
    pull: 'never',
  };
  const name = query.name?.replace(/^\//, '');
  if (name) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) throw bad(`Invalid container name (${query.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    request.name = name;
  }
  if (entrypoint !== undefined) request.entrypoint = entrypoint.length === 1 && entrypoint[0] === '' ? [] : [...entrypoint];
  if (body.Hostname) request.hostname = body.Hostname;
  if (body.User) request.user = body.User;
  if (body.WorkingDir) {
    if (!body.WorkingDir.startsWith('/')) throw bad(`the working directory '${body.WorkingDir}' is invalid, it needs to be an absolute path`);
    request.workingDir = body.WorkingDir;
  }
  Object.assign(request, hostOptionsFromBody(body));
  if (body.StopSignal) request.stopSignal = body.StopSignal;
  if (body.StopTimeout !== undefined && body.StopTimeout !== null) request.stopTimeout = body.StopTimeout;
  if (query.platform) request.platform = query.platform;
  return request;
}

/**
 * The namespaces, tmpfs mounts, /dev/shm size, ulimits, init and health check of a create body, checked as dockerd
 * does (verifyContainerSettings and the platform's checks), with its messages.
 */
function hostOptionsFromBody(body: ContainerCreateBody): Partial<RunRequest> {
  const host = body.HostConfig ?? {};
  const out: Partial<RunRequest> = {};
  const ipc = host.IpcMode ?? '';
  if (!validIpcMode(ipc)) throw bad(`invalid IPC mode: ${ipc}`);
  if (ipc) out.ipcMode = ipc;
  const pid = host.PidMode ?? '';
  if (!validPidMode(pid)) throw bad(`invalid PID mode: ${pid}`);
  if (pid) out.pidMode = pid;
  const uts = host.UTSMode ?? '';
  if (!validUtsMode(uts)) throw bad(`invalid UTS mode: ${uts}`);
  if (uts) out.utsMode = uts;
  if (uts === 'host' && body.Hostname) throw bad('conflicting options: hostname and the UTS mode');
  if ((host.ShmSize ?? 0) < 0) throw bad('SHM size can not be less than 0');
  if (host.ShmSize) out.shmSize = host.ShmSize;
  const tmpfs = host.Tmpfs ?? {};
  for (const [destination, data] of Object.entries(tmpfs)) {
    const error = tmpfsDestinationError(destination);
    if (error) throw bad(error);
    try {
      tmpfsOptions(data);
    } catch (e) {
      throw bad((e as Error).message);
    }
  }
  if (Object.keys(tmpfs).length > 0) out.tmpfs = { ...tmpfs };
  const ulimits = host.Ulimits ?? [];
  for (const u of ulimits) {
    if (!(u?.Name in ULIMIT_TYPES)) throw bad(`invalid ulimit type: ${u?.Name}`);
    const refusal = ulimitRefusal(u);
    if (refusal) throw bad(refusal);
  }
  if (ulimits.length > 0) out.ulimits = ulimits.map((u) => ({ Name: u.Name, Soft: u.Soft, Hard: u.Hard }));
  if (host.Init) out.init = true;
  const healthError = healthConfigError(body.Healthcheck);
  if (healthError) throw bad(healthError);
  if (body.Healthcheck) out.healthcheck = structuredClone(body.Healthcheck);
  return out;
}

/**
 * The network part of a create body as dockerd's router reads it: `default` (or nothing) is the bridge, an
 * endpoint config under `default` moves to `bridge`; port bindings checked (validatePortBindings); an API 1.43
 * client may name one network only.
 */
function networkFromBody(body: ContainerCreateBody): Pick<RunRequest, 'networkMode' | 'endpointsConfig' | 'links' | 'exposedPorts' | 'portBindings' | 'publishAll' | 'macAddress'> {
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
  const bindings: Record<string, PortBindingJSON[]> = {};
  try {
    validatePortBindings(host.PortBindings);
  } catch (e) {
    throw bad((e as Error).message);
  }
  for (const [port, list] of Object.entries(host.PortBindings ?? {})) {
    bindings[port] = (list ?? []).map((b) => ({ HostIp: b?.HostIp ?? '', HostPort: b?.HostPort ?? '' }));
  }
  const exposed: PortSet = {};
  for (const port of Object.keys(body.ExposedPorts ?? {})) exposed[port] = {};
  return {
    networkMode: mode,
    endpointsConfig: endpoints,
    links: [...(host.Links ?? [])],
    exposedPorts: exposed,
    portBindings: bindings,
    publishAll: host.PublishAllPorts ?? false,
    ...(body.MacAddress ? { macAddress: body.MacAddress } : {}),
  };
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
