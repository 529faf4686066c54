// The files of a container's OCI bundle, generated at start like Docker does (the image's /etc/passwd may have
// changed in the container's upper dir): config.json, and what is bound at /etc/hostname, /etc/hosts, /etc/resolv.conf.
import { EngineError } from '../errors.ts';
import type { ContainerRecord } from './container-store.ts';
import { specJson, type RuntimeSpec } from './runtime-spec.ts';
import { buildRuntimeSpec, containerEtcFiles, type ResolvedDevice } from './spec.ts';

export interface BundleFiles {
  spec: RuntimeSpec;
  /** file name in the bundle directory -> content */
  files: Record<'config.json' | 'hostname' | 'hosts' | 'resolv.conf', string>;
}

/**
 * `passwd`/`group`: the container's /etc/passwd and /etc/group (undefined when absent). Throws the daemon's
 * start error for an unknown user (`unable to find user x: no matching entries in passwd file`).
 */
export function bundleFiles(record: ContainerRecord, etc: { passwd?: string; group?: string }, devices: readonly ResolvedDevice[] = []): BundleFiles {
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
    });
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', (e as Error).message, { details: { origin: 'daemon' } });
  }
  const etcFiles = containerEtcFiles(record.config, record.hostConfig.NetworkMode === 'host');
  return { spec, files: { 'config.json': specJson(spec), ...etcFiles } };
}
