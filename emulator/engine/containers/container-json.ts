// Docker Engine API JSON for containers: the `/containers/json` summary and the `/containers/{id}/json`
// inspect document, built from a ContainerRecord.
import type { ContainerConfigJSON, HostConfigJSON } from './container-config.ts';
import { stateJSON, statusString, type ContainerStatus, type StateJSON } from './container-state.ts';
import type { ContainerRecord } from './container-store.ts';
import { rfc3339Nano } from './time-format.ts';

/** Engine API MountPoint */
export interface MountPointJSON {
  Type: 'bind' | 'volume';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface NetworkSettingsJSON {
  Networks: Record<string, { NetworkID: string; EndpointID: string; Gateway: string; IPAddress: string; IPPrefixLen: number; MacAddress: string }>;
}

/** `/containers/json` item */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: never[];
  Labels: Record<string, string>;
  State: ContainerStatus;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: NetworkSettingsJSON;
  Mounts: MountPointJSON[];
}

/** `/containers/{id}/json` */
export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: StateJSON;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: 'overlay2';
  Platform: 'linux';
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfigJSON;
  GraphDriver: { Data: { LowerDir: string; MergedDir: string; UpperDir: string; WorkDir: string }; Name: 'overlay2' };
  Mounts: MountPointJSON[];
  Config: ContainerConfigJSON;
  NetworkSettings: NetworkSettingsJSON;
}

/** Path and Args as the daemon splits the command: first word of Entrypoint+Cmd, then the rest. */
export function pathAndArgs(config: ContainerConfigJSON): { path: string; args: string[] } {
  const all = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  return { path: all[0] ?? '', args: all.slice(1) };
}

/** daemon/list.go: arguments with a space are single-quoted. */
export function commandString(config: ContainerConfigJSON): string {
  const { path, args } = pathAndArgs(config);
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

export function mountPoints(record: ContainerRecord): MountPointJSON[] {
  return record.mounts.map((m) =>
    m.type === 'volume'
      ? { Type: 'volume', Name: m.name ?? '', Source: m.source, Destination: m.destination, Driver: 'local', Mode: m.readOnly ? 'ro' : 'z', RW: !m.readOnly, Propagation: '' }
      : { Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.readOnly ? 'ro' : '', RW: !m.readOnly, Propagation: 'rprivate' },
  );
}

function networkSettings(record: ContainerRecord): NetworkSettingsJSON {
  const empty = { NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' };
  return { Networks: { [record.hostConfig.NetworkMode]: empty } };
}

export function containerSummary(record: ContainerRecord, now: number): ContainerSummary {
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.imageName,
    ImageID: record.imageId,
    Command: commandString(record.config),
    Created: Math.floor(record.created / 1000),
    Ports: [],
    Labels: { ...record.config.Labels },
    State: record.state.status,
    Status: statusString(record.state, now),
    HostConfig: { NetworkMode: record.hostConfig.NetworkMode },
    NetworkSettings: networkSettings(record),
    Mounts: mountPoints(record),
  };
}

export function containerInspect(record: ContainerRecord): ContainerInspect {
  const { path, args } = pathAndArgs(record.config);
  return {
    Id: record.id,
    Created: rfc3339Nano(record.created),
    Path: path,
    Args: args,
    State: stateJSON(record.state),
    Image: record.imageId,
    ResolvConfPath: `${record.bundle}/resolv.conf`,
    HostnamePath: `${record.bundle}/hostname`,
    HostsPath: `${record.bundle}/hosts`,
    // logs are kept by the engine, not in the guest; this names where `docker logs` reads them from
    LogPath: '',
    Name: `/${record.name}`,
    RestartCount: record.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: structuredClone(record.hostConfig),
    GraphDriver: {
      Data: {
        LowerDir: record.overlay.lowerDirs.join(':'),
        MergedDir: record.overlay.mergedDir,
        UpperDir: record.overlay.upperDir,
        WorkDir: record.overlay.workDir,
      },
      Name: 'overlay2',
    },
    Mounts: mountPoints(record),
    Config: structuredClone(record.config),
    NetworkSettings: networkSettings(record),
  };
}
