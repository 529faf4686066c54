// Image JSON shaped like the Docker Engine API: `GET /images/json`, `/images/{name}/json`,
// `/images/{name}/history` and the images part of `GET /system/df`.
import type { ContentStore } from '../store/content-store.ts';
import type { Digest } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import { familiarRef, type ImageRecord } from './image-db.ts';
import type { ImageStore } from './image-store.ts';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/oci-types.ts';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** seconds since the epoch */
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: DockerContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** The `Config` of an image inspect, with the fields Docker always prints. */
export interface DockerContainerConfig extends Omit<ContainerConfig, 'Env' | 'Cmd' | 'Volumes' | 'Entrypoint' | 'OnBuild' | 'Labels'> {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
}

export interface HistoryResponseItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** Number of containers using an image, for `Containers` and `system df`. */
export type ContainerCount = (imageId: Digest) => number;

const epochSeconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) || 0 : 0);

export function imageSummary(store: ImageStore, image: ImageRecord, containers?: ContainerCount, sharedSize = -1): ImageSummary {
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: image.repoTags.map(familiarRef),
    RepoDigests: image.repoDigests.map(familiarRef),
    Created: epochSeconds(image.created),
    Size: store.imageSize(image),
    SharedSize: sharedSize,
    Labels: {},
    Containers: containers ? containers(image.id) : -1,
  };
}

/** `GET /images/json`: newest first, as Docker lists them. */
export function listImages(store: ImageStore, options: { all?: boolean; containers?: ContainerCount } = {}): ImageSummary[] {
  return store.db
    .all()
    .sort((a, b) => epochSeconds(b.created) - epochSeconds(a.created) || (a.id < b.id ? -1 : 1))
    .map((image) => imageSummary(store, image, options.containers));
}

export async function inspectImage(store: ImageStore, content: ContentStore, nameOrId: string): Promise<ImageInspect> {
  const image = mustFind(store, nameOrId);
  const config = await content.readJson<ImageConfig>(image.id);
  const c = config.config ?? {};
  const inspect: ImageInspect = {
    Id: image.id,
    RepoTags: image.repoTags.map(familiarRef),
    RepoDigests: image.repoDigests.map(familiarRef),
    Parent: '',
    Comment: config.comment ?? '',
    Created: config.created ?? new Date(0).toISOString(),
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: c.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.Env ?? null,
      Cmd: c.Cmd ?? null,
      ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
      ...(c.ArgsEscaped ? { ArgsEscaped: c.ArgsEscaped } : {}),
      Image: '',
      Volumes: c.Volumes ?? null,
      WorkingDir: c.WorkingDir ?? '',
      Entrypoint: c.Entrypoint ?? null,
      OnBuild: c.OnBuild ?? null,
      Labels: c.Labels ?? null,
      ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
      ...(c.Shell ? { Shell: c.Shell } : {}),
    },
    Architecture: config.architecture,
    Os: config.os,
    Size: store.imageSize(image),
    GraphDriver: {
      Name: 'overlay2',
      Data: image.layers.length
        ? {
            LowerDir: image.layers
              .slice(0, -1)
              .reverse()
              .map((l) => `/mnt/host${store.layerDir(l.chainId)}`)
              .join(':'),
            MergedDir: '',
            UpperDir: `/mnt/host${store.layerDir(image.layers[image.layers.length - 1]?.chainId as Digest)}`,
            WorkDir: '',
          }
        : null,
    },
    RootFS: { Type: 'layers', Layers: config.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: image.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  if (config.variant) inspect.Variant = config.variant;
  return inspect;
}

/**
 * `GET /images/{name}/history`, newest first. Like Docker for a pulled image, only the top entry has
 * an ID (the image's); lower entries are `<missing>`. Empty-layer entries (ENV, CMD...) have size 0.
 */
export async function imageHistory(store: ImageStore, content: ContentStore, nameOrId: string): Promise<HistoryResponseItem[]> {
  const image = mustFind(store, nameOrId);
  const config = await content.readJson<ImageConfig>(image.id);
  const history: HistoryEntry[] = config.history ?? image.layers.map(() => ({}));
  let layer = 0;
  const items: HistoryResponseItem[] = history.map((h) => {
    const size = h.empty_layer ? 0 : (image.layers[layer++]?.contentSize ?? 0);
    return { Id: '<missing>', Created: epochSeconds(h.created), CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '' };
  });
  items.reverse();
  const top = items[0];
  if (top) {
    top.Id = image.id;
    top.Tags = image.repoTags.map(familiarRef);
  }
  return items;
}

export interface ImagesDiskUsage {
  /** bytes of all unpacked layers, each counted once */
  LayersSize: number;
  Images: ImageSummary[];
}

/** The images half of `GET /system/df`: each image with the size it shares with others. */
export function imagesDiskUsage(store: ImageStore, containers?: ContainerCount): ImagesDiskUsage {
  const images = store.db.all();
  const users = new Map<Digest, number>();
  const sizes = new Map<Digest, number>();
  for (const image of images) {
    for (const layer of image.layers) {
      users.set(layer.chainId, (users.get(layer.chainId) ?? 0) + 1);
      sizes.set(layer.chainId, layer.contentSize);
    }
  }
  const LayersSize = [...sizes.values()].reduce((a, b) => a + b, 0);
  return {
    LayersSize,
    Images: listImages(store, containers ? { containers } : {}).map((summary) => {
      const image = store.db.get(summary.Id as Digest) as ImageRecord;
      const shared = image.layers.filter((l) => (users.get(l.chainId) ?? 0) > 1).reduce((n, l) => n + l.contentSize, 0);
      return { ...summary, SharedSize: shared };
    }),
  };
}

function mustFind(store: ImageStore, nameOrId: string): ImageRecord {
  const image = store.find(nameOrId);
  if (!image) throw new EngineError('NOT_FOUND', `No such image: ${nameOrId}`);
  return image;
}
