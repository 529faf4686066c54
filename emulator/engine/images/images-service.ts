// Wires the images core together: content store + image DB + registry client + image store, from the
// few things the host provides (fetch, a BlobBackend, optionally the guest file system).
import type { BlobBackend } from '../store/blob-backend.ts';
import { ContentStore } from '../store/content-store.ts';
import type { GuestFs } from '../overlay/guest-fs.ts';
import { ImageDb } from './image-db.ts';
import { ImageStore, type ImageUsage } from './image-store.ts';
import { type PushOptions, type PushResult, pushImage } from '../registry/push.ts';
import { type Credentials, type FetchLike, RegistryClient, type RegistryEndpoint } from '../registry/registry-client.ts';
import { routeFetch } from '../registry/server/route-fetch.ts';
import type { RegistryHandler } from '../registry/server/registry-server.ts';
import { DEFAULT_DOMAIN } from '../registry/reference.ts';

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
  /**
   * The in-browser registry (`await RegistryServer.open({ backend })`): requests to `http://<host>/` (default
   * `localhost:5000`) go to its handler in-process, never to the network.
   */
  localRegistry?: { host: string; handle: RegistryHandler };
}

/** The Engine API's `POST /auth` answer. */
export interface LoginResult {
  Status: 'Login Succeeded';
  IdentityToken: string;
}

export interface ImagesService {
  content: ContentStore;
  db: ImageDb;
  registry: RegistryClient;
  images: ImageStore;
  /** the fetch the registry client uses: `localhost:5000` answered in-process (for login checks and the like) */
  fetch: FetchLike;
  /** `docker push`: the tag must name the registry; credentials default to the last `registryLogin` for it */
  push(reference: string, options?: PushOptions): Promise<PushResult>;
  /** `docker login SERVER -u USER -p PASS`: checked against the registry, then remembered for pulls and pushes (memory only) */
  registryLogin(serverAddress: string, username: string, password: string, signal?: AbortSignal): Promise<LoginResult>;
  /** `docker logout SERVER`: false when there was no login to forget */
  registryLogout(serverAddress: string): boolean;
}

export async function openImagesService(options: ImagesServiceOptions): Promise<ImagesService> {
  const content = new ContentStore(options.backend);
  await content.init();
  const db = new ImageDb(content);
  await db.load();
  // What `docker login` stored, like the CLI's config.json, but only for this engine's lifetime.
  const logins = new Map<string, Credentials>();
  const local = options.localRegistry;
  const registries = { ...options.registries, ...(local ? { [local.host]: `http://${local.host}` } : {}) };
  const fetch = local ? routeFetch(options.fetch, { [local.host]: local.handle }) : options.fetch;
  const registry = new RegistryClient({
    fetch,
    registries,
    ...(options.corsProxy ? { corsProxy: options.corsProxy } : {}),
    credentials: async (host) => (await options.credentials?.(host)) ?? logins.get(host),
  });
  const images = new ImageStore({
    content,
    db,
    registry,
    ...(options.fs ? { fs: options.fs } : {}),
    ...(options.layersDir ? { layersDir: options.layersDir } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
  });
  return {
    content,
    db,
    registry,
    images,
    fetch,
    push: (reference, pushOptions) => pushImage({ content, db, registry }, reference, pushOptions),
    async registryLogin(serverAddress, username, password, signal) {
      const host = registryHost(serverAddress);
      await registry.login(host, { username, password }, signal);
      logins.set(host, { username, password });
      return { Status: 'Login Succeeded', IdentityToken: '' };
    },
    registryLogout: (serverAddress) => logins.delete(registryHost(serverAddress)),
  };
}

/** `docker login`'s server argument to a registry host: `localhost:5000`, `http://localhost:5000/v2/` -> `localhost:5000`; none -> Docker Hub. */
export function registryHost(serverAddress: string): string {
  const trimmed = serverAddress.trim();
  if (trimmed === '' || /^(https?:\/\/)?(index\.)?docker\.io(\/|$)/.test(trimmed) || trimmed === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return trimmed.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
