// `docker create` in the engine: a checked ContainerCreateConfig + image -> the stored Config/HostConfig, volumes resolved (named ones
// created on first use, anonymous ones generated), a container record; nothing is left behind on a refusal.
import { EngineError } from '../errors.ts';
import { createNetwork, type CreateNetworkLookups } from '../network/create-network.ts';
import type { ContainerConfig } from '../oci/oci-types.ts';
import { normalizeCapabilities } from './capabilities.ts';
import { hostConfigFor, mergeContainerConfig } from './container-config.ts';
import type { ContainerRecord, ContainerStore } from './container-store.ts';
import type { ContainerCreateConfig } from '../api/types/container.ts';
import { createMounts } from './create-config.ts';
import { defaultContainerPaths, type ResolvedMount } from './spec.ts';
import { execWordsError } from '../runtime/lower.ts';
import { volumeMountpoint, type VolumeStore } from './volume-store.ts';

export interface ImageForCreate {
  /** `sha256:<hex>` */
  id: string;
  /** as the user typed it (`busybox`) */
  name: string;
  config?: ContainerConfig;
  /** guest paths of the unpacked layers, topmost first (overlayfs lowerdir order) */
  lowerDirs: string[];
}

export interface CreateDeps {
  containers: ContainerStore;
  volumes: VolumeStore;
  /** the guest's own host name, for `--network host` */
  hostHostname?: string;
  /** the engine's networks (`--network NAME`, `--ip` checks); without them only the predefined modes are known */
  networks?: Pick<CreateNetworkLookups, 'findNetwork'>;
}

const daemonError = (message: string, code: 'INVALID_ARGUMENT' | 'CONFLICT' = 'INVALID_ARGUMENT') => new EngineError(code, message, { details: { origin: 'daemon' } });

/** `warnings` receives what dockerd answers as create Warnings (the CLI prints `WARNING: ...`). */
export async function createContainer(deps: CreateDeps, create: ContainerCreateConfig, image: ImageForCreate, warnings: string[] = []): Promise<ContainerRecord> {
  const name = create.Name;
  if (name !== undefined) deps.containers.checkName(name);
  const id = deps.containers.newId();
  const host = create.HostConfig;
  const requested = createMounts({ HostConfig: host, Volumes: create.Config.Volumes ?? null });
  const network = createNetwork(create, {
    findNetwork: (term) => deps.networks?.findNetwork(term),
    findContainer: (ref) => deps.containers.find(ref),
  });
  warnings.push(...network.warnings);
  let config;
  try {
    config = mergeContainerConfig(create, image.config, { id, imageName: image.name, hostHostname: deps.hostHostname ?? 'drydock', mounts: requested, networkMode: network.mode });
    normalizeCapabilities(host.CapAdd ?? []);
    normalizeCapabilities(host.CapDrop ?? []);
    // refused here rather than at every start: PATH, HOSTNAME, TERM and HOME may join the environment, docker-init 5 arguments
    const args = (config.Entrypoint?.length ?? 0) + (config.Cmd?.length ?? 0) + (host.Init ? 5 : 0);
    const tooMany = execWordsError(config.Env.length + 4, args);
    if (tooMany) throw new Error(tooMany);
  } catch (e) {
    throw daemonError((e as Error).message);
  }

  const createdVolumes: string[] = [];
  try {
    const mounts: ResolvedMount[] = [];
    const binds: string[] = [];
    for (const v of requested) {
      if (v.type === 'bind') {
        mounts.push({ type: 'bind', source: v.source, destination: v.destination, readOnly: v.readOnly });
        binds.push(`${v.source}:${v.destination}${v.readOnly ? ':ro' : ''}`);
        continue;
      }
      const existed = v.name !== undefined && deps.volumes.has(v.name);
      const volume = await deps.volumes.create(v.name === undefined ? {} : { name: v.name });
      if (!existed) createdVolumes.push(volume.Name);
      mounts.push({ type: 'volume', name: volume.Name, source: volumeMountpoint(volume.Name), destination: v.destination, readOnly: v.readOnly, ...(v.noCopy ? { noCopy: true as const } : {}) });
      if (v.name !== undefined) binds.push(`${v.name}:${v.destination}${v.readOnly ? ':ro' : ''}`);
    }
    const paths = defaultContainerPaths(id);
    return await deps.containers.create({
      id,
      ...(name !== undefined ? { name } : {}),
      imageId: image.id,
      imageName: image.name,
      config,
      hostConfig: hostConfigFor(host, binds, network.mode),
      network: network.state,
      mounts,
      overlay: { lowerDirs: [...image.lowerDirs], upperDir: `${paths.bundle}/upper`, workDir: `${paths.bundle}/work`, mergedDir: paths.rootfs },
      bundle: paths.bundle,
    });
  } catch (e) {
    for (const name of createdVolumes) await deps.volumes.remove(name, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * What `docker rm` leaves to clean up besides the record: anonymous volumes go with `--rm` containers and
 * with `docker rm -v`; named volumes stay.
 */
export async function removeContainerVolumes(deps: CreateDeps, record: ContainerRecord, options: { anonymous: boolean }): Promise<string[]> {
  if (!options.anonymous) return [];
  const removed: string[] = [];
  for (const m of record.mounts) {
    if (m.type !== 'volume' || !m.name || !deps.volumes.isAnonymous(m.name)) continue;
    if (deps.containers.usingVolume(m.name).length > 0) continue;
    await deps.volumes.remove(m.name, { force: true });
    removed.push(m.name);
  }
  return removed;
}
