// The one composition of the engine (images service, in-browser registry, credentials, Engine API router, docker
// CLI) from injected pieces, shared by the browser worker, engine:serve and tests: no Node, no DOM, no VM imports.
import { CREDENTIALS_DOCUMENT, CredentialStore } from './api/auth-store.ts';
import { createCommitApi } from './api/commit-api.ts';
import { ContainerDaemon } from './daemon/daemon.ts';
import { createContainerProcessApi } from './api/container-process-api.ts';
import { createEngineApi, type EngineApi } from './api/engine-api.ts';
import { createProcessesApi } from './api/processes-api.ts';
import { createCgroupsApi } from './api/cgroups-api.ts';
import { createBridgesApi } from './api/bridges-api.ts';
import { containerStoreEvents, createEventsApi, EventLog } from './api/events.ts';
import { DEFAULT_FACTS, type SystemFacts } from './api/system-info.ts';
import type { BlobBackend } from './store/blob-backend.ts';
import { createBuildApi } from './builder/build-api.ts';
import { BuildCache } from './builder/cache.ts';
import { rootfsView } from './overlay/rootfs-view.ts';
import type { CliSession } from './cli/cli-session.ts';
import { dockerCli } from './cli/docker-cli.ts';
import { ContainerStore } from './containers/container-store.ts';
import { createContainersApi } from './containers/containers-api.ts';
import { blobJsonStorage, type JsonStorage } from './containers/json-storage.ts';
import { LogStore } from './containers/log-store.ts';
import { VolumeStore } from './containers/volume-store.ts';
import { EngineError } from './errors.ts';
import type { GuestFs } from './overlay/guest-fs.ts';
import { IMAGE_DB_DOCUMENT } from './images/image-db.ts';
import { type ImagesService, openImagesService } from './images/images-service.ts';
import { type FetchLike, type RegistryEndpoint, withoutLibraryPrefix } from './registry/registry-client.ts';
import { RegistryServer } from './registry/server/registry-server.ts';
import { ContainerNetworking } from './network/container-networking.ts';
import type { NetworkDriver } from './network/endpoint.ts';
import { GUEST_HOST_FILES, type HostFiles } from './network/etc-files.ts';
import { createNetworkApi } from './network/network-api.ts';
import { NETWORKS_DOCUMENT, NetworkStore } from './network/network-store.ts';
import type { GuestExec as RuntimeGuestExec } from './runtime/guest-exec.ts';
import type { SavedRuntimeEntry } from './runtime/runtime.ts';
import { quoteWord } from './runtime/shell-quote.ts';

export interface EngineHostOptions {
  fetch: FetchLike;
  /** the engine's content store (images, layers): OPFS `drydock-store` in the browser, a directory in Node */
  store: BlobBackend;
  /** the in-browser registry's own store, answering `localhost:5000`; without it there is no local registry */
  registryStore?: BlobBackend;
  /**
   * The 9p share of the guest running now, as a GuestFs. A getter because every boot or restart brings a new
   * share; undefined while no guest runs (layers are then stored but not unpacked until `ensureUnpacked`).
   */
  guestFs?: () => GuestFs | undefined;
  /** registry host -> base URL; see staticRegistries() for the registry shipped with the app */
  registries?: Record<string, string | RegistryEndpoint>;
  corsProxy?: string;
  /** `docker version` / `docker info` facts about the guest */
  system?: SystemFacts | (() => Promise<SystemFacts>);
  /**
   * The agent of the guest running now (run argv, spawn, write files), a getter like guestFs; without it
   * containers can be created and listed but not started.
   */
  guest?: () => RuntimeGuestExec | undefined;
  /** where the 9p share is mounted in the guest (image layers are under `<this>/layers`) */
  shareMount?: string;
  /**
   * The guest side of networking (bridges, veths, NAT, docker-proxy, the embedded DNS server): the one place
   * it is injected. Without it networks are modelled only: containers get their own namespace with loopback
   * only, and publishing a port (`-p`, `-P`) is refused at start.
   */
  networkDriver?: NetworkDriver;
  /** throw-away containers that warm a new guest's container paths in its idle time (runtime/warm-up.ts); the browser worker sets it */
  warmUpRuns?: number;
}

export interface EngineHost {
  service: ImagesService;
  credentials: CredentialStore;
  containers: ContainerStore;
  volumes: VolumeStore;
  logs: LogStore;
  networks: NetworkStore;
  networking: ContainerNetworking;
  /** what `GET /events` streams */
  events: EventLog;
  processes: ContainerDaemon;
  /** the in-browser registry, when `registryStore` was given */
  registry?: RegistryServer;
  /** the Docker Engine API router */
  api: EngineApi;
  /** the CLI handler for the guest's docker shim: `new ShimSessions(machine.agent, host.cli)` after every boot */
  cli: (session: CliSession) => Promise<void>;
  /** The engine's state documents (containers, volumes, logs, networks, logins, image database and index) as text,
   *  null when absent, and what its runtime holds of the running containers (RUNTIME_DOCUMENT): saved with the VM in
   *  a lesson checkpoint so the two never disagree. */
  readDocuments(): Promise<Record<string, string | null>>;
  /**
   * Writes documents from readDocuments() back; a host opened afterwards starts from them (stores read them at open)
   * and, as they hold RUNTIME_DOCUMENT, takes over the containers running in the guest restored with them. Waits for
   * this host's own saves under way first: after dispose() it saves nothing more, so nothing lands over them.
   */
  writeDocuments(documents: Record<string, string | null>): Promise<void>;
  /** Stops the engine's timers (restart policies, the boot watcher) and its saves: a host replaced by another must not act on its guest. */
  dispose(): void;
}

/** Every JSON document the engine keeps in its store (blobs are content-addressed and only ever added). */
export const ENGINE_DOCUMENTS = ['drydock-containers.json', 'drydock-volumes.json', 'drydock-logs.json', NETWORKS_DOCUMENT, CREDENTIALS_DOCUMENT, IMAGE_DB_DOCUMENT, 'index.json'] as const;

/**
 * The runtime's side of a checkpoint (ContainerDaemon.savedRuntime: spec, layout, network plan, agent stream and
 * PID 1 of each running container). Never kept while the engine runs: readDocuments() makes it, writeDocuments()
 * puts it in the store for the next engine, which takes it (and removes it) at open and adopts those containers.
 */
export const RUNTIME_DOCUMENT = 'drydock-runtime.json';

export async function openEngineHost(options: EngineHostOptions): Promise<EngineHost> {
  // Saves of a disposed host are dropped, and writeDocuments waits for the ones under way: a host being replaced
  // reacts to its machine going away (exits, releases) after the next host's documents may have been written.
  let disposed = false;
  const saving = new Set<Promise<void>>();
  const documentStorage = (name: string): JsonStorage => {
    const storage = blobJsonStorage(options.store, name);
    return {
      load: () => storage.load(),
      save: async (text) => {
        if (disposed) return;
        const saved = storage.save(text);
        saving.add(saved);
        try {
          await saved;
        } finally {
          saving.delete(saved);
        }
      },
    };
  };
  const adopt = await takeSavedRuntime(options.store);
  const credentials = await CredentialStore.open(documentStorage(CREDENTIALS_DOCUMENT));
  const containers = await ContainerStore.open(documentStorage('drydock-containers.json'), adopt ? { guestKept: true } : {});
  const volumes = await VolumeStore.open(documentStorage('drydock-volumes.json'), {
    usedBy: (n) => containers.usingVolume(n),
    // the data lives in the guest (created by the runtime at the first container start that mounts it)
    removeData: async (dir) => void (await options.guest?.()?.exec(['rm', '-rf', dir], { timeoutMs: 60_000 })),
  });
  const logs = await LogStore.open(documentStorage('drydock-logs.json'));
  const networks = await NetworkStore.open(documentStorage(NETWORKS_DOCUMENT));
  const events = new EventLog();
  const unsubscribeEvents = [
    containerStoreEvents(events, containers),
    networks.subscribe((n, action) => events.log('network', action, n.id, { name: n.name, type: n.driver })),
  ];
  const networking = await ContainerNetworking.open({
    networks,
    containers,
    ...(options.networkDriver ? { driver: options.networkDriver } : {}),
    hostFiles: () => readHostFiles(options.guest?.()),
    // in place (same inode): the container's /etc/hosts is a bind mount of this file
    writeHosts: async (record, text) => {
      const path = `${record.bundle}/hosts`;
      await options.guest?.()?.exec(['sh', '-c', `cat > ${quoteWord(path)}`], { stdin: text, timeoutMs: 60_000 });
    },
  });
  const registry = options.registryStore ? await RegistryServer.open({ backend: options.registryStore }) : undefined;
  const service = await openImagesService({
    fetch: options.fetch,
    backend: options.store,
    ...(options.registries ? { registries: options.registries } : {}),
    ...(options.corsProxy ? { corsProxy: options.corsProxy } : {}),
    credentials: credentials.lookup,
    ...(options.guestFs ? { fs: followingGuestFs(options.guestFs) } : {}),
    ...(registry ? { localRegistry: registry } : {}),
    usage: (imageId) => {
      const using = containers.usingImage(imageId).map((id) => containers.get(id));
      const first = using.find((r) => r.state.status === 'running' || r.state.status === 'paused') ?? using[0];
      return first ? { containerId: first.id, running: first.state.status === 'running' || first.state.status === 'paused' } : undefined;
    },
  });
  const share = options.shareMount ?? '/mnt/host';
  const processes = new ContainerDaemon({
    containers, volumes, logs, networking, events, guest: options.guest ?? (() => undefined),
    ...(adopt ? { adopt } : {}),
    ...(options.warmUpRuns ? { warmUpRuns: options.warmUpRuns } : {}),
    ensureLayers: async (record) => void (await service.images.ensureUnpacked(record.imageId)),
    imageFiles: (record) => {
      const fs = options.guestFs?.();
      // lowerDirs are guest paths under the share's mount point; the share itself is read from here
      return fs ? rootfsView(fs, record.overlay.lowerDirs.map((d) => (d.startsWith(`${share}/`) ? d.slice(share.length) : d))) : undefined;
    },
    shareFile: async (path) => {
      const fs = options.guestFs?.();
      if (!fs || !path.startsWith(`${share}/`)) return undefined;
      const parts = path.slice(share.length).split('/').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        const st = await fs.lstat(`/${parts.slice(0, i).join('/')}`);
        if (!st) return null;
        if (st.kind === 'symlink' || (i === parts.length && st.kind !== 'file')) return undefined;
      }
      return fs.readFile(`/${parts.join('/')}`);
    },
  });
  const buildCache = await BuildCache.open(blobJsonStorage(options.store, 'drydock-build-cache.json'));
  // the client pulls (with progress) and creates again; a create that finds nothing says so like dockerd
  const image = async (ref: string) => {
    const images = service.images;
    const record = images.find(ref);
    if (!record) throw new EngineError('NOT_FOUND', `No such image: ${ref}`);
    const config = await images.config(record.id);
    const dirs = await images.ensureUnpacked(record.id);
    return { id: record.id, name: ref, ...(config.config ? { config: config.config } : {}), lowerDirs: dirs.map((d) => `${share}${d}`).reverse() };
  };
  const containersApi = createContainersApi({
    containers,
    volumes,
    logs,
    networks: { findNetwork: (term) => networks.find(term) },
    image,
    resolveImage: (ref) => service.images.find(ref)?.id,
    kill: (record) => processes.killAndWait(record),
    size: async (record) => {
      const rw = await processes.sizeRw(record.id);
      const image = service.images.find(record.imageId);
      return { rw, rootFs: rw + (image ? service.images.imageSize(image) : 0) };
    },
  });
  const count = () => {
    const all = containers.list();
    const n = (s: string) => all.filter((r) => r.state.status === s).length;
    return { total: all.length, running: n('running'), paused: n('paused'), stopped: all.length - n('running') - n('paused') };
  };
  // Login checks and pushes default to the service's routed fetch: localhost:5000 is answered in-process.
  const api = createEngineApi({
    service,
    credentials,
    ...(options.system ? { system: options.system } : {}),
    containers: count,
    events,
    subRouters: [
      // any engine request (a `docker` command typed, the UI's inspectors) ends the idle-time warm-up, and sees the
      // containers of a restored checkpoint once they are taken over
      async () => (processes.noteActivity(), await processes.adopted(), undefined),
      createEventsApi(events),
      createContainerProcessApi(processes),
      createCommitApi({ containers, content: service.content, images: service.images, guest: options.guest ?? (() => undefined) }),
      createBuildApi({ images: service.images, content: service.content, cache: buildCache, guest: options.guest ?? (() => undefined), fs: options.guestFs ?? (() => undefined), shareMount: share }),
      createNetworkApi({ networks, networking }),
      createProcessesApi({ containers, guest: options.guest ?? (() => undefined) }),
      createCgroupsApi({ containers, guest: options.guest ?? (() => undefined) }),
      createBridgesApi({ containers, networks }),
      containersApi,
    ],
  });
  const readDocuments = async (): Promise<Record<string, string | null>> => {
    const out: Record<string, string | null> = {};
    // the running containers' output so far (the log store saves it only at an exit otherwise)
    await logs.flush();
    for (const name of ENGINE_DOCUMENTS) out[name] = (await blobJsonStorage(options.store, name).load()) ?? null;
    out[RUNTIME_DOCUMENT] = JSON.stringify(processes.savedRuntime());
    return out;
  };
  const writeDocuments = async (documents: Record<string, string | null>): Promise<void> => {
    while (saving.size > 0) await Promise.allSettled([...saving]);
    for (const name of [...ENGINE_DOCUMENTS, RUNTIME_DOCUMENT]) {
      const text = documents[name];
      if (text === undefined) continue;
      if (text === null) await options.store.delete(name);
      else await blobJsonStorage(options.store, name).save(text);
    }
  };
  const dispose = () => {
    disposed = true;
    for (const unsubscribe of unsubscribeEvents) unsubscribe();
    processes.dispose();
    networking.dispose();
  };
  return { service, credentials, containers, volumes, logs, networks, networking, events, processes, ...(registry ? { registry } : {}), api, cli: dockerCli({ api }), readDocuments, writeDocuments, dispose };
}

/**
 * The registry shipped with the app (`public/registry`, served at `<app base>/registry/`) as Docker Hub. Its
 * layout is `v2/busybox/...`, not `v2/library/busybox/...`, so official images lose their `library/` prefix. It
 * has `v2/_catalog` and `tags/list` files, so a pull of a missing image says which images there are.
 */
export function staticRegistries(baseUrl: string): Record<string, RegistryEndpoint> {
  return { 'docker.io': { baseUrl: baseUrl.replace(/\/+$/, ''), repositoryPath: withoutLibraryPrefix, listsImages: true } };
}

/** RUNTIME_DOCUMENT when a checkpoint's documents were just written for this engine, taken out of the store (once). */
async function takeSavedRuntime(store: BlobBackend): Promise<Record<string, SavedRuntimeEntry> | undefined> {
  const text = await blobJsonStorage(store, RUNTIME_DOCUMENT).load();
  if (text === undefined) return undefined;
  await store.delete(RUNTIME_DOCUMENT);
  try {
    const saved = JSON.parse(text) as unknown;
    return saved && typeof saved === 'object' && !Array.isArray(saved) ? (saved as Record<string, SavedRuntimeEntry>) : undefined;
  } catch {
    return undefined;
  }
}

/** The guest's /etc/hosts and /etc/resolv.conf, which containers' files are made from (READ_FILE: no guest process). */
async function readHostFiles(guest: RuntimeGuestExec | undefined): Promise<HostFiles> {
  if (!guest?.readFile) return GUEST_HOST_FILES;
  const text = async (path: string, fallback: string) => guest.readFile?.(path).then((b) => new TextDecoder().decode(b), () => fallback) ?? fallback;
  const [hosts, resolvConf] = await Promise.all([text('/etc/hosts', GUEST_HOST_FILES.hosts), text('/etc/resolv.conf', GUEST_HOST_FILES.resolvConf)]);
  return { hosts, resolvConf };
}

/** What the engine asks the guest for its `docker info` facts (structural: the agent client's exec). */
export interface GuestExec {
  exec(argv: string[], options: { timeoutMs?: number }): Promise<{ exitCode: number; stdout: Uint8Array }>;
}

/** Kernel release, host name, memory and CPUs of the running guest; DEFAULT_FACTS where it does not answer. */
export async function probeGuestFacts(guest: GuestExec): Promise<SystemFacts> {
  const script = 'uname -r; uname -n; grep MemTotal /proc/meminfo; grep -c ^processor /proc/cpuinfo';
  const r = await guest.exec(['sh', '-c', script], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return DEFAULT_FACTS;
  const [kernel, name, mem = '', cpus = '1'] = new TextDecoder().decode(r.stdout).trim().split('\n');
  const kb = Number(/(\d+)/.exec(mem)?.[1] ?? 0);
  return {
    ...DEFAULT_FACTS,
    kernelVersion: kernel || DEFAULT_FACTS.kernelVersion,
    name: name || DEFAULT_FACTS.name,
    ncpu: Number(cpus) || 1,
    memTotal: kb ? kb * 1024 : DEFAULT_FACTS.memTotal,
  };
}

/** A GuestFs that always acts on the current guest's share (the image store keeps one GuestFs for its lifetime). */
function followingGuestFs(current: () => GuestFs | undefined): GuestFs {
  const fs = (): GuestFs => {
    const now = current();
    if (!now) throw new EngineError('CONFLICT', 'the machine is not running, so image layers cannot be unpacked into it now');
    return now;
  };
  return {
    lstat: async (path) => fs().lstat(path),
    readdir: async (path) => fs().readdir(path),
    readFile: async (path) => fs().readFile(path),
    mkdir: async (path, attrs) => fs().mkdir(path, attrs),
    writeFile: async (path, data, attrs) => fs().writeFile(path, data, attrs),
    symlink: async (path, target, attrs) => fs().symlink(path, target, attrs),
    link: async (path, existing) => fs().link(path, existing),
    mknod: async (path, kind, major, minor, attrs) => fs().mknod(path, kind, major, minor, attrs),
    chmod: async (path, mode) => fs().chmod(path, mode),
    chown: async (path, uid, gid) => fs().chown(path, uid, gid),
    utimes: async (path, mtime) => fs().utimes(path, mtime),
    rm: async (path) => fs().rm(path),
  };
}
