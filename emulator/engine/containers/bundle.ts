// The files of a container's OCI bundle, generated at start like Docker does (the image's /etc/passwd may have
// changed in the container's upper dir): config.json, and what is bound at /etc/hostname, /etc/hosts, /etc/resolv.conf.
import { EngineError } from '../errors.ts';
import { GUEST_HOST_FILES, hostsFile, resolvConfFile } from '../network/etc-files.ts';
import type { ContainerRecord } from './container-store.ts';
import { specJson, type RuntimeSpec } from './runtime-spec.ts';
import { buildRuntimeSpec, type ResolvedDevice, type SpecInput } from './spec.ts';

export type EtcFileName = 'hostname' | 'hosts' | 'resolv.conf';

export interface BundleFiles {
  spec: RuntimeSpec;
  /** file name in the bundle directory -> content */
  files: Record<'config.json' | EtcFileName, string>;
}

/** What the network model decided for this start (network/container-networking.ts prepare). */
export interface NetworkForBundle {
  files: Record<EtcFileName, string>;
  /** legacy links' environment variables */
  env: string[];
  /** `--network container:X`: the namespace to join */
  netnsPath?: string;
}

/** A container's etc files when no network model decides them: its own namespace, loopback only. */
export function isolatedEtcFiles(record: ContainerRecord): Record<EtcFileName, string> {
  const host = record.hostConfig.NetworkMode === 'host';
  return {
    hostname: `${record.config.Hostname}\n`,
    hosts: host ? GUEST_HOST_FILES.hosts : hostsFile({ hostname: record.config.Hostname, addresses: [] }),
    'resolv.conf': resolvConfFile(host ? 'host' : 'legacy', GUEST_HOST_FILES.resolvConf),
  };
}

/**
 * `passwd`/`group`: the container's /etc/passwd and /etc/group (undefined when absent). Throws the daemon's
 * start error for an unknown user (`unable to find user x: no matching entries in passwd file`).
 */
export function bundleFiles(record: ContainerRecord, etc: { passwd?: string; group?: string }, network?: NetworkForBundle, devices: readonly ResolvedDevice[] = [], joined: SpecInput['joined'] = {}): BundleFiles {
  let spec: RuntimeSpec;
  try {
    spec = buildRuntimeSpec({
      id: record.id,
      config: record.config,
      hostConfig: record.hostConfig,
      mounts: record.mounts,
      paths: { bundle: record.bundle, rootfs: record.overlay.mergedDir },
      devices,
      ...(etc.passwd !== undefined ? { passwd: etc.passwd } : {}),
      ...(etc.group !== undefined ? { group: etc.group } : {}),
      ...(network?.netnsPath ? { networkNamespacePath: network.netnsPath } : {}),
      ...(network?.env.length ? { linkEnv: network.env } : {}),
      joined,
    });
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', (e as Error).message, { details: { origin: 'daemon' } });
  }
  const etcFiles = network?.files ?? isolatedEtcFiles(record);
  return { spec, files: { 'config.json': specJson(spec), ...etcFiles } };
}
