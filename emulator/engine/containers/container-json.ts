// Docker Engine API JSON for containers: the `/containers/json` summary and the `/containers/{id}/json`
// inspect document, built from a ContainerRecord.
import { emptyEndpointSettings, type ContainerNetworkState } from '../network/endpoint-settings.ts';
import { networkSettingsJSON, networkSettingsSummary, type NetworkSettingsJSON } from '../network/network-json.ts';
import { portSummaries, type PortSummary } from '../network/port-format.ts';
import type { ContainerConfig, HostConfig } from '../api/types/container.ts';
import { stateJSON, statusString, type ContainerStatus, type StateJSON } from './container-state.ts';
import type { ContainerRecord } from './container-store.ts';
import { rfc3339Nano } from '../units/time-format.ts';

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

/** `/containers/json` item */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[];
  Labels: Record<string, string>;
  State: ContainerStatus;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: ReturnType<typeof networkSettingsSummary>;
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
  HostConfig: HostConfig;
  GraphDriver: { Data: { LowerDir: string; MergedDir: string; UpperDir: string; WorkDir: string }; Name: 'overlay2' };
  Mounts: MountPointJSON[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettingsJSON;
}

/** Path and Args as the daemon splits the command: first word of Entrypoint+Cmd, then the rest. */
export function pathAndArgs(config: ContainerConfig): { path: string; args: string[] } {
  const all = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  return { path: all[0] ?? '', args: all.slice(1) };
}

/** daemon/list.go: arguments with a space are single-quoted. */
export function commandString(config: ContainerConfig): string {
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

/** The record's network state; records from before networks get what their NetworkMode implies. */
function networkState(record: ContainerRecord): ContainerNetworkState {
  if (record.network) return record.network;
  const mode = record.hostConfig.NetworkMode;
  return { endpoints: mode.startsWith('container:') ? [] : [{ network: mode, settings: emptyEndpointSettings() }], ports: null, sandboxId: '', sandboxKey: '', links: [] };
}

/** HostConfig.Links as dockerd's inspect shows legacy links: `/CHILD:/PARENT/ALIAS` (names now, IDs kept). */
function linksJSON(record: ContainerRecord, nameOf: (id: string) => string | undefined): string[] | null {
  const links = networkState(record).links.flatMap((l) => {
    const child = nameOf(l.id);
    return child === undefined ? [] : [`/${child}:/${record.name}/${l.alias}`];
  });
  return links.length > 0 ? links : null;
}

export function containerSummary(record: ContainerRecord, now: number): ContainerSummary {
  return {
    Id: record.id,
    Names: [`/${record.name}`],
    Image: record.imageName,
    ImageID: record.imageId,
    Command: commandString(record.config),
    Created: Math.floor(record.created / 1000),
    Ports: portSummaries(networkState(record).ports),
    Labels: { ...record.config.Labels },
    State: record.state.status,
    Status: statusString(record.state, now),
    HostConfig: { NetworkMode: record.hostConfig.NetworkMode },
    NetworkSettings: networkSettingsSummary(networkState(record)),
    Mounts: mountPoints(record),
  };
}

/** `nameOf` resolves a linked container's ID to its name (legacy links); without it links are not shown. */
export function containerInspect(record: ContainerRecord, nameOf: (id: string) => string | undefined = () => undefined): ContainerInspect {
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
    HostConfig: hostConfigJSON(record, nameOf),
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
    NetworkSettings: networkSettingsJSON(record, networkState(record)),
  };
}

/** HostConfig as stored, with the fields records from before networks lack, in Go's order. */
function hostConfigJSON(record: ContainerRecord, nameOf: (id: string) => string | undefined): HostConfig {
  const h = structuredClone(record.hostConfig);
  const { Binds, NetworkMode, PortBindings, RestartPolicy, AutoRemove, CapAdd, CapDrop, GroupAdd, Links: _links, Privileged, PublishAllPorts, ...rest } = h;
  return {
    Binds,
    NetworkMode,
    // a Go map: keys sorted
    PortBindings: Object.fromEntries(Object.entries(PortBindings ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))),
    RestartPolicy,
    AutoRemove,
    CapAdd,
    CapDrop,
    ...(GroupAdd !== undefined ? { GroupAdd } : {}),
    Links: linksJSON(record, nameOf),
    Privileged,
    PublishAllPorts: PublishAllPorts ?? false,
    ...rest,
  };
}
