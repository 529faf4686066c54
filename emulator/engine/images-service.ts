// Wires the images core together: content store + image DB + registry client + image store, from the
// few things the host provides (fetch, a BlobBackend, optionally the guest file system).
import type { BlobBackend } from './blob-backend.ts';
import { ContentStore } from './content-store.ts';
import type { GuestFs } from './guest-fs.ts';
import { ImageDb } from './image-db.ts';
import { ImageStore, type ImageUsage } from './image-store.ts';
import { type Credentials, type FetchLike, RegistryClient, type RegistryEndpoint } from './registry-client.ts';

export interface ImagesServiceOptions {
  fetch: FetchLike;
  /** MemoryBlobBackend (tests), OpfsBlobBackend (browser), DirBlobBackend (Node, emulator/node-backends/) */
  backend: BlobBackend;
  /** registry host -> base URL, e.g. `{ 'docker.io': new URL('registry', location.href).href }` */
  registries?: Record<string, string | RegistryEndpoint>;
  corsProxy?: string;
  credentials?: (host: string) => Promise<Credentials | undefined>;
  /** the 9p share as a GuestFs (`guestFsFromShare(shareFs)`); without it layers are stored but not unpacked */
  fs?: GuestFs;
  /** where in `fs` layers are unpacked; default `/layers` */
  layersDir?: string;
  usage?: ImageUsage;
}

export interface ImagesService {
  content: ContentStore;
  db: ImageDb;
  registry: RegistryClient;
  images: ImageStore;
}

export async function openImagesService(options: ImagesServiceOptions): Promise<ImagesService> {
  const content = new ContentStore(options.backend);
  await content.init();
  const db = new ImageDb(content);
  await db.load();
  const registry = new RegistryClient({
    fetch: options.fetch,
    ...(options.registries ? { registries: options.registries } : {}),
    ...(options.corsProxy ? { corsProxy: options.corsProxy } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const images = new ImageStore({
    content,
    db,
    registry,
    ...(options.fs ? { fs: options.fs } : {}),
    ...(options.layersDir ? { layersDir: options.layersDir } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
  });
  return { content, db, registry, images };
}
