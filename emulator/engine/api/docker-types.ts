// Docker's request-body types (moby v28 api/types), as GoType schemas for go-json.ts: one per endpoint body, so
// every route that reads JSON refuses what dockerd refuses, with dockerd's words. Field names, JSON keys and Go
// type names are moby's (they appear in the error messages); the TypeScript shape each decodes to is the
// engine's own interface for that body.
import type { ContainerCreateRequest, EndpointConfig } from './types/container.ts';
import type { NetworkCreateRequest } from '../network/network-store.ts';
import { goAny, goArray, goBool, goInt, goMap, goPtr, goSlice, goString, goStruct, strSlice, type GoStruct } from './go-json.ts';

const str = goString();
const strings = goSlice(str);
const labels = goMap(str);
const int64 = goInt('int64');
const int = goInt('int');
const uint16 = goInt('uint16');
const uint64 = goInt('uint64');

const healthConfig = goStruct('container.HealthConfig', {
  Test: goSlice(str),
  Interval: int64,
  Timeout: int64,
  StartPeriod: int64,
  StartInterval: int64,
  Retries: int,
});

const portSet = goMap(goStruct('struct {}', {}), 'nat.PortSet');

/** container.Config: what `docker commit` sends, and the top of a create body. */
export const containerConfig = goStruct<ContainerCreateRequest>('container.Config', {
  Hostname: str,
  Domainname: str,
  User: str,
  AttachStdin: goBool,
  AttachStdout: goBool,
  AttachStderr: goBool,
  ExposedPorts: portSet,
  Tty: goBool,
  OpenStdin: goBool,
  StdinOnce: goBool,
  Env: strings,
  Cmd: strSlice,
  Healthcheck: goPtr(healthConfig),
  ArgsEscaped: goBool,
  Image: str,
  Volumes: goMap(goStruct('struct {}', {})),
  WorkingDir: str,
  Entrypoint: strSlice,
  NetworkDisabled: goBool,
  MacAddress: str,
  OnBuild: strings,
  Labels: labels,
  StopSignal: str,
  StopTimeout: goPtr(int),
  Shell: strSlice,
});

const weightDevice = goStruct('blkiodev.WeightDevice', { Path: str, Weight: uint16 });
const throttleDevice = goStruct('blkiodev.ThrottleDevice', { Path: str, Rate: uint64 });

const resources = goStruct('container.Resources', {
  CPUShares: { type: int64, json: 'CpuShares' },
  Memory: int64,
  NanoCPUs: { type: int64, json: 'NanoCpus' },
  CgroupParent: str,
  BlkioWeight: uint16,
  BlkioWeightDevice: goSlice(goPtr(weightDevice), '[]*blkiodev.WeightDevice'),
  BlkioDeviceReadBps: goSlice(goPtr(throttleDevice), '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceWriteBps: goSlice(goPtr(throttleDevice), '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceReadIOps: goSlice(goPtr(throttleDevice), '[]*blkiodev.ThrottleDevice'),
  BlkioDeviceWriteIOps: goSlice(goPtr(throttleDevice), '[]*blkiodev.ThrottleDevice'),
  CPUPeriod: { type: int64, json: 'CpuPeriod' },
  CPUQuota: { type: int64, json: 'CpuQuota' },
  CPURealtimePeriod: { type: int64, json: 'CpuRealtimePeriod' },
  CPURealtimeRuntime: { type: int64, json: 'CpuRealtimeRuntime' },
  CpusetCpus: str,
  CpusetMems: str,
  Devices: goSlice(goStruct('container.DeviceMapping', { PathOnHost: str, PathInContainer: str, CgroupPermissions: str })),
  DeviceCgroupRules: strings,
  DeviceRequests: goSlice(
    goStruct('container.DeviceRequest', { Driver: str, Count: int, DeviceIDs: strings, Capabilities: goSlice(strings), Options: labels }),
  ),
  KernelMemory: int64,
  KernelMemoryTCP: int64,
  MemoryReservation: int64,
  MemorySwap: int64,
  MemorySwappiness: goPtr(int64),
  OomKillDisable: goPtr(goBool),
  PidsLimit: goPtr(int64),
  Ulimits: goSlice(goPtr(goStruct('units.Ulimit', { Name: str, Hard: int64, Soft: int64 })), '[]*units.Ulimit'),
  CPUCount: { type: int64, json: 'CpuCount' },
  CPUPercent: { type: int64, json: 'CpuPercent' },
  IOMaximumIOps: uint64,
  IOMaximumBandwidth: uint64,
});

const mount = goStruct('mount.Mount', {
  Type: goString('mount.Type'),
  Source: str,
  Target: str,
  ReadOnly: goBool,
  Consistency: goString('mount.Consistency'),
  // the options structs are not read by drydock: any object (or null) passes
  BindOptions: goAny,
  VolumeOptions: goAny,
  ImageOptions: goAny,
  TmpfsOptions: goAny,
  ClusterOptions: goAny,
});

const hostConfig = goStruct('container.HostConfig', {
  Binds: strings,
  ContainerIDFile: str,
  LogConfig: goStruct('container.LogConfig', { Type: str, Config: labels }),
  NetworkMode: goString('container.NetworkMode'),
  PortBindings: goMap(goSlice(goStruct('nat.PortBinding', { HostIp: str, HostPort: str })), 'nat.PortMap'),
  RestartPolicy: goStruct('container.RestartPolicy', { Name: goString('container.RestartPolicyMode'), MaximumRetryCount: int }),
  AutoRemove: goBool,
  VolumeDriver: str,
  VolumesFrom: strings,
  ConsoleSize: goArray(goInt('uint'), 2),
  Annotations: labels,
  CapAdd: strSlice,
  CapDrop: strSlice,
  CgroupnsMode: goString('container.CgroupnsMode'),
  DNS: { type: strings, json: 'Dns' },
  DNSOptions: { type: strings, json: 'DnsOptions' },
  DNSSearch: { type: strings, json: 'DnsSearch' },
  ExtraHosts: strings,
  GroupAdd: strings,
  IpcMode: goString('container.IpcMode'),
  Cgroup: goString('container.CgroupSpec'),
  Links: strings,
  OomScoreAdj: int,
  PidMode: goString('container.PidMode'),
  Privileged: goBool,
  PublishAllPorts: goBool,
  ReadonlyRootfs: goBool,
  SecurityOpt: strings,
  StorageOpt: labels,
  Tmpfs: labels,
  UTSMode: goString('container.UTSMode'),
  UsernsMode: goString('container.UsernsMode'),
  ShmSize: int64,
  Sysctls: labels,
  Runtime: str,
  Isolation: goString('container.Isolation'),
  Resources: { embedded: resources },
  Mounts: goSlice(mount),
  MaskedPaths: strings,
  ReadonlyPaths: strings,
  Init: goPtr(goBool),
});

const endpointSettings = goStruct<EndpointConfig>('network.EndpointSettings', {
  IPAMConfig: goPtr(goStruct('network.EndpointIPAMConfig', { IPv4Address: str, IPv6Address: str, LinkLocalIPs: strings })),
  Links: strings,
  Aliases: strings,
  MacAddress: str,
  DriverOpts: labels,
  GwPriority: int,
  NetworkID: str,
  EndpointID: str,
  Gateway: str,
  IPAddress: str,
  IPPrefixLen: int,
  IPv6Gateway: str,
  GlobalIPv6Address: str,
  GlobalIPv6PrefixLen: int,
  DNSNames: strings,
});

/** container.CreateRequest: `POST /containers/create` (the embedded Config, then HostConfig and NetworkingConfig). */
export const containerCreateRequest: GoStruct<ContainerCreateRequest> = goStruct<ContainerCreateRequest>('container.CreateRequest', {
  Config: { embedded: containerConfig },
  HostConfig: goPtr(hostConfig),
  NetworkingConfig: goPtr(goStruct('network.NetworkingConfig', { EndpointsConfig: goMap(goPtr(endpointSettings), 'map[string]*network.EndpointSettings') })),
});

/** container.ExecOptions: `POST /containers/{id}/exec`. */
export const execOptions = goStruct<{ User?: string; Privileged?: boolean; Tty?: boolean; AttachStdin?: boolean; Env?: string[] | null; WorkingDir?: string; Cmd?: string[] | null; Detach?: boolean }>(
  'container.ExecOptions',
  {
    User: str,
    Privileged: goBool,
    Tty: goBool,
    ConsoleSize: goPtr(goArray(goInt('uint'), 2)),
    AttachStdin: goBool,
    AttachStderr: goBool,
    AttachStdout: goBool,
    DetachKeys: str,
    Env: strings,
    WorkingDir: str,
    Cmd: strings,
    Detach: goBool,
  },
);

/** container.ExecStartOptions: `POST /exec/{id}/start`. */
export const execStartOptions = goStruct<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: number[] | null }>('container.ExecStartOptions', {
  Detach: goBool,
  Tty: goBool,
  ConsoleSize: goPtr(goArray(goInt('uint'), 2)),
});

const ipam = goStruct('network.IPAM', {
  Driver: str,
  Options: labels,
  Config: goSlice(goStruct('network.IPAMConfig', { Subnet: str, IPRange: str, Gateway: str, AuxAddress: { type: labels, json: 'AuxiliaryAddresses' } })),
});

const networkCreateOptions = goStruct('network.CreateOptions', {
  Driver: str,
  Scope: str,
  EnableIPv4: goPtr(goBool),
  EnableIPv6: goPtr(goBool),
  IPAM: goPtr(ipam),
  Internal: goBool,
  Attachable: goBool,
  Ingress: goBool,
  ConfigOnly: goBool,
  ConfigFrom: goPtr(goStruct('network.ConfigReference', { Network: str })),
  Options: labels,
  Labels: labels,
});

/** network.CreateRequest: `POST /networks/create`. */
export const networkCreateRequest = goStruct<NetworkCreateRequest>('network.CreateRequest', {
  CreateOptions: { embedded: networkCreateOptions },
  Name: str,
  CheckDuplicate: goPtr(goBool),
});

/** network.ConnectOptions: `POST /networks/{id}/connect`. */
export const networkConnectOptions = goStruct<{ Container?: string; EndpointConfig?: EndpointConfig | null }>('network.ConnectOptions', {
  Container: str,
  EndpointConfig: goPtr(endpointSettings),
});

/** network.DisconnectOptions: `POST /networks/{id}/disconnect`. */
export const networkDisconnectOptions = goStruct<{ Container?: string; Force?: boolean }>('network.DisconnectOptions', { Container: str, Force: goBool });

/** volume.CreateOptions: `POST /volumes/create`. */
export const volumeCreateOptions = goStruct<{ Name?: string; Driver?: string; DriverOpts?: Record<string, string> | null; Labels?: Record<string, string> | null }>('volume.CreateOptions', {
  ClusterVolumeSpec: goAny,
  Driver: str,
  DriverOpts: labels,
  Labels: labels,
  Name: str,
});

/** `buildargs` of `POST /build` (a query parameter holding JSON; null = declared without a value). */
export const buildArgs = goMap(goPtr(str), 'map[string]*string');

/** registry.AuthConfig: `POST /auth`. */
export const authConfig = goStruct<{ username?: string; password?: string; serveraddress?: string }>('registry.AuthConfig', {
  Username: { type: str, json: 'username' },
  Password: { type: str, json: 'password' },
  Auth: { type: str, json: 'auth' },
  Email: { type: str, json: 'email' },
  ServerAddress: { type: str, json: 'serveraddress' },
  IdentityToken: { type: str, json: 'identitytoken' },
  RegistryToken: { type: str, json: 'registrytoken' },
});

// drydock's own extensions (the guest shim's side channel), held to the same rules.

/** `POST /containers/{id}/drydock-cp`. */
export const drydockCopyBody = goStruct<{ ToContainer?: boolean; ContainerPath?: string; GuestPath?: string; Archive?: boolean; FollowLink?: boolean }>('drydock.CopyBody', {
  ToContainer: goBool,
  ContainerPath: str,
  GuestPath: str,
  Archive: goBool,
  FollowLink: goBool,
});

/** `POST /containers/{id}/drydock-stdin`: a chunk of the attached client's stdin, base64. */
export const drydockStdinChunk = goStruct<{ Data?: string; Eof?: boolean }>('drydock.StdinChunk', { Data: str, Eof: goBool });

/** `POST /containers/{id}/drydock-exited`, `POST /exec/{id}/drydock-exited`. */
export const drydockExitStatus = goStruct<{ ExitCode?: number; Signal?: number }>('drydock.ExitStatus', { ExitCode: int, Signal: int });
