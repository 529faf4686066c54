// The Engine API's container wire types, declared once (moby api/types/container: config.go, hostconfig.go,
// create_request.go; api/types/network's NetworkingConfig): what a client sends to `POST /containers/create`, what
// the daemon stores and `GET /containers/{id}/json` shows. Types only; the go-json schemas that decode a body into
// them are `api/docker-types.ts`.
import type { HealthConfig } from '../../oci/oci-types.ts';
import type { PortBindingJSON, PortSet } from '../../network/ports.ts';
import type { EndpointSettingsJSON } from '../../network/endpoint-settings.ts';
import type { Ulimit } from '../../containers/ulimits.ts';

/** container.Config, as a container's inspect shows it (the fields drydock keeps). */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  /** omitted when empty, as Go's omitempty does */
  ExposedPorts?: PortSet;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  /** in a create body `[""]` resets the image's entrypoint, as the docker CLI sends `--entrypoint ""` */
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** omitempty: the image's HEALTHCHECK merged with --health-* */
  Healthcheck?: HealthConfig;
  /** deprecated, omitempty: the container-wide MAC an API < 1.44 client (drydock's 1.43) asks for */
  MacAddress?: string;
}

/** container.DeviceMapping: HostConfig.Devices[] */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** container.RestartPolicy */
export interface RestartPolicy {
  Name: 'no' | 'always' | 'on-failure' | 'unless-stopped' | '';
  MaximumRetryCount: number;
}

/** container.HostConfig, the fields drydock acts on (the rest keep Docker's zero values). */
export interface HostConfig {
  Binds: string[] | null;
  /** `bridge`, `host`, `none`, `container:<id>` or a user network's name; a client may send `default` or nothing */
  NetworkMode: string;
  /** `-p`: `"80/tcp"` -> host bindings (optional only for records from before networks) */
  PortBindings?: Record<string, PortBindingJSON[]>;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  GroupAdd?: string[] | null;
  /** legacy links: as sent (`db:alias`); inspect shows them as `/db:/web/alias` (the engine keeps them by ID) */
  Links?: string[] | null;
  Privileged: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs: boolean;
  ShmSize: number;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuPeriod: number;
  CpuQuota: number;
  PidsLimit: number | null;
  MaskedPaths: string[] | null;
  ReadonlyPaths: string[] | null;
  /** `--security-opt` (seccomp=unconfined, no-new-privileges) */
  SecurityOpt?: string[] | null;
  Devices?: DeviceMapping[] | null;
  /** `--ipc` (`private` by default), `--pid`, `--uts` (records from before them lack these) */
  IpcMode?: string;
  PidMode?: string;
  UTSMode?: string;
  /** `--tmpfs`: mount point -> options, omitempty */
  Tmpfs?: Record<string, string>;
  Ulimits?: Ulimit[] | null;
  /** `--init`, omitempty */
  Init?: boolean;
}

/** What an API client may configure of an endpoint (the rest of EndpointSettings is operational). */
export type EndpointConfig = Partial<Pick<EndpointSettingsJSON, 'IPAMConfig' | 'Links' | 'Aliases' | 'MacAddress' | 'DriverOpts' | 'GwPriority'>>;

/** network.NetworkingConfig */
export interface NetworkingConfig {
  EndpointsConfig: Record<string, EndpointConfig>;
}

/** A field as a client may send it: absent, or null for Go's nil, or the value. */
type Sent<T> = { [K in keyof T]?: T[K] | null };

/** container.HostConfig in a create body. */
export type HostConfigBody = Omit<Sent<HostConfig>, 'PortBindings' | 'RestartPolicy' | 'Ulimits'> & {
  PortBindings?: Record<string, (Partial<PortBindingJSON> | null)[] | null> | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number } | null;
  Ulimits?: (Ulimit | null)[] | null;
};

/** container.CreateRequest: the body of `POST /containers/create` (container.Config embedded, then the other two). */
export type ContainerCreateRequest = Sent<Omit<ContainerConfig, 'Image'>> & {
  Image: string;
  HostConfig?: HostConfigBody | null;
  NetworkingConfig?: { EndpointsConfig?: Record<string, Partial<EndpointSettingsJSON> | null> | null } | null;
};

/**
 * moby's backend.ContainerCreateConfig: a create request as the daemon works from it, once checked
 * (containers/create-config.ts): the name and platform of the query, the body's three parts, the host and
 * networking parts normalized (`default` network mode and endpoint read as `bridge`, no nil endpoint).
 */
export interface ContainerCreateConfig {
  Name?: string;
  Platform?: string;
  Config: Omit<ContainerCreateRequest, 'HostConfig' | 'NetworkingConfig'>;
  HostConfig: HostConfigBody & { NetworkMode: string; RestartPolicy: RestartPolicy; PortBindings: Record<string, PortBindingJSON[]> };
  NetworkingConfig: NetworkingConfig;
}
