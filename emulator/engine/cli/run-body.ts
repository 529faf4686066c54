// The `POST /containers/create` body the docker CLI sends for a parsed `docker run`/`create`: what the daemon reads
// back in containers/create-body.ts.
import type { ContainerCreateBody } from '../containers/create-body.ts';
import type { RunRequest } from '../containers/run-options.ts';
import { emptyEndpointSettings } from '../network/endpoint-settings.ts';

/** What the docker CLI sends for a parsed `docker run` (detach and quiet stay on the client side). */
export function createBodyFor(request: RunRequest): { body: ContainerCreateBody; name?: string; platform?: string } {
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  for (const v of request.volumes) {
    if (v.type === 'bind') binds.push(`${v.source}:${v.destination}${v.readOnly ? ':ro' : ''}`);
    else if (v.name !== undefined) {
      const modes = [...(v.readOnly ? ['ro'] : []), ...(v.noCopy ? ['nocopy'] : [])];
      binds.push(`${v.name}:${v.destination}${modes.length ? `:${modes.join(',')}` : ''}`);
    }
    else anonymous[v.destination] = {};
  }
  const body: ContainerCreateBody = {
    Hostname: request.hostname ?? '',
    User: request.user ?? '',
    AttachStdin: request.interactive && !request.detach,
    AttachStdout: !request.detach,
    AttachStderr: !request.detach,
    Tty: request.tty,
    OpenStdin: request.interactive,
    StdinOnce: request.interactive && !request.detach,
    Env: [...request.env],
    Cmd: request.command.length > 0 ? [...request.command] : null,
    Image: request.image,
    Volumes: Object.keys(anonymous).length > 0 ? anonymous : null,
    WorkingDir: request.workingDir ?? '',
    Entrypoint: request.entrypoint === undefined ? null : request.entrypoint.length === 0 ? [''] : [...request.entrypoint],
    Labels: { ...request.labels },
    ...(Object.keys(request.exposedPorts).length > 0 ? { ExposedPorts: structuredClone(request.exposedPorts) } : {}),
    ...(request.macAddress ? { MacAddress: request.macAddress } : {}),
    HostConfig: {
      Binds: binds.length > 0 ? binds : null,
      NetworkMode: request.networkMode,
      PortBindings: structuredClone(request.portBindings),
      Links: request.links.length > 0 ? [...request.links] : null,
      PublishAllPorts: request.publishAll,
      RestartPolicy: { Name: request.restart.name, MaximumRetryCount: request.restart.maximumRetryCount },
      AutoRemove: request.autoRemove,
      CapAdd: request.capAdd.length > 0 ? [...request.capAdd] : null,
      CapDrop: request.capDrop.length > 0 ? [...request.capDrop] : null,
      ...(request.groupAdd?.length ? { GroupAdd: [...request.groupAdd] } : {}),
      Privileged: request.privileged,
      ...(request.securityOpt?.length ? { SecurityOpt: [...request.securityOpt] } : {}),
      ...(request.devices?.length ? { Devices: request.devices.map((d) => ({ ...d })) } : {}),
      ReadonlyRootfs: request.readOnly,
      Memory: request.memory,
      NanoCpus: request.nanoCpus,
      PidsLimit: request.pidsLimit > 0 ? request.pidsLimit : null,
      ...(request.tmpfs ? { Tmpfs: { ...request.tmpfs } } : {}),
      ...(request.shmSize !== undefined ? { ShmSize: request.shmSize } : {}),
      Ulimits: (request.ulimits ?? []).map((u) => ({ ...u })),
      IpcMode: request.ipcMode ?? '',
      PidMode: request.pidMode ?? '',
      UTSMode: request.utsMode ?? '',
      ...(request.init ? { Init: true } : {}),
    },
    // the CLI sends every endpoint's EndpointSettings whole (zero values included)
    NetworkingConfig: { EndpointsConfig: Object.fromEntries(Object.entries(request.endpointsConfig).map(([k, v]) => [k, { ...emptyEndpointSettings(), ...structuredClone(v) }])) },
  };
  if (request.stopSignal !== undefined) body.StopSignal = request.stopSignal;
  if (request.stopTimeout !== undefined) body.StopTimeout = request.stopTimeout;
  if (request.healthcheck) body.Healthcheck = structuredClone(request.healthcheck);
  const out: { body: ContainerCreateBody; name?: string; platform?: string } = { body };
  if (request.name !== undefined) out.name = request.name;
  if (request.platform !== undefined) out.platform = request.platform;
  return out;
}
