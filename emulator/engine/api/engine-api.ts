// The engine's outside contract: a Docker Engine API router over web-standard Request/Response, the same in a
// worker (the guest's docker shim, the UI) and in Node (`engine:serve` for the stock docker CLI).
import { boolValue } from './route-request.ts';
import { checkPathEscapes, decodePathSegment } from './path-segment.ts';
import { EngineError } from '../errors.ts';
import { listLayerFiles } from '../images/layer-files.ts';
import { imageHistory, imagesDiskUsage, inspectImage, listImages } from '../images/image-api.ts';
import type { ImagesService } from '../images/images-service.ts';
import type { ProgressMessage } from '../images/pull-progress.ts';
import { jsonProgressText } from '../images/pull-progress.ts';
import type { Credentials, FetchLike } from '../registry/registry-client.ts';
import { familiarString, parseDockerRef, parseNormalizedNamed, referenceString, withTag } from '../registry/reference.ts';
import { type CredentialStore, registryHost } from './auth-store.ts';
import { errorResponse, jsonResponse, messageOf } from './http-errors.ts';
import { authConfig } from './docker-types.ts';
import { readJsonBody } from './go-json.ts';
import type { EventLog } from './events.ts';
import { filterImages } from './image-filters.ts';
import { checkLogin } from './registry-login.ts';
import { API_VERSION, DEFAULT_FACTS, infoBody, MIN_API_VERSION, type SystemFacts, versionBody } from './system-info.ts';

/** Pushes a local image to its registry (the in-browser registry for `localhost:5000`), reporting progress. */
export type PushImage = (name: string, options: { credentials?: Credentials; onProgress: (m: ProgressMessage) => void; signal?: AbortSignal }) => Promise<void>;

export interface EngineApiOptions {
  service: ImagesService;
  credentials: CredentialStore;
  /** for `POST /auth` checks against registries; default the service's own (localhost:5000 answered in-process) */
  fetch?: FetchLike;
  /** registry host -> base URL, as the registry client resolves it */
  registryBaseUrl?: (host: string) => string;
  /** default: the service's push (the in-browser registry for localhost:5000; docker.io refuses) */
  push?: PushImage;
  system?: SystemFacts | (() => Promise<SystemFacts>);
  /** container counts, from the container side when it exists */
  containers?: () => { total: number; running: number; paused: number; stopped: number };
  /** `docker events`: image pulls, pushes, tags and deletes are logged here */
  events?: EventLog;
  /** routers tried before the images routes (containers, volumes, their processes); undefined = not theirs */
  subRouters?: ((request: Request) => Promise<Response | undefined>)[];
}

export type EngineApi = (request: Request) => Promise<Response>;

const PING_HEADERS = {
  'Api-Version': API_VERSION,
  'Docker-Experimental': 'false',
  OSType: 'linux',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
};

export function createEngineApi(options: EngineApiOptions): EngineApi {
  const { service, credentials } = options;
  const images = service.images;
  const facts = async (): Promise<SystemFacts> => (typeof options.system === 'function' ? options.system() : (options.system ?? DEFAULT_FACTS));
  const baseUrl = options.registryBaseUrl ?? ((host: string) => service.registry.baseUrl(host));
  const loginFetch = options.fetch ?? service.fetch;
  const pushImage: PushImage | undefined = options.push ?? (service.push ? async (name, o) => void (await service.push(name, o)) : undefined);

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const q = url.searchParams;
    let path = url.pathname;
    // before any router splits it: a bad escape is the client's error (400), as Go's URL parser refuses it
    checkPathEscapes(path);
    const versioned = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
    if (versioned) {
      const asked = versioned[1] as string;
      if (compareVersions(asked, API_VERSION) > 0) {
        throw new EngineError('INVALID_ARGUMENT', `client version ${asked} is too new. Maximum supported API version is ${API_VERSION}`);
      }
      if (compareVersions(asked, MIN_API_VERSION) < 0) {
        throw new EngineError('INVALID_ARGUMENT', `client version ${asked} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
      }
      path = versioned[2] as string;
    }
    const method = request.method.toUpperCase();

    for (const sub of options.subRouters ?? []) {
      const answered = await sub(request);
      if (answered) return answered;
    }
    if (path === '/_ping' && (method === 'GET' || method === 'HEAD')) {
      return new Response(method === 'HEAD' ? null : 'OK', { headers: { 'Content-Type': 'text/plain; charset=utf-8', ...PING_HEADERS } });
    }
    if (path === '/version' && method === 'GET') return jsonResponse(versionBody(await facts()));
    if (path === '/info' && method === 'GET') {
      const c = options.containers?.() ?? { total: 0, running: 0, paused: 0, stopped: 0 };
      return jsonResponse(infoBody(await facts(), { images: images.db.all().length, containers: c.total, running: c.running, paused: c.paused, stopped: c.stopped }));
    }
    if (path === '/images/json' && method === 'GET') {
      const list = listImages(images, { all: boolValue(q.get('all')) });
      return jsonResponse(filterImages(list, q.get('filters')));
    }
    if (path === '/images/create' && method === 'POST') return pull(request, q);
    if (path === '/system/df' && method === 'GET') {
      const df = imagesDiskUsage(images);
      // Containers counts per image (0 until containers exist): the CLI counts an image as active, and not
      // reclaimable, when it is non-zero.
      const Images = df.Images.map((i) => ({ ...i, Containers: 0 }));
      return jsonResponse({ LayersSize: df.LayersSize, Images, Containers: [], Volumes: [], BuildCache: [] });
    }
    if (path === '/auth' && method === 'POST') return login(request);
    if (path === '/auth' && method === 'DELETE') {
      // drydock extension: credentials live in the engine, so `docker logout` asks it to forget them
      const address = q.get('serveraddress') ?? '';
      const forgot = await credentials.delete(registryHost(address));
      return jsonResponse({ Status: forgot ? `Removing login credentials for ${address}` : `Not logged in to ${address}` });
    }

    // drydock extension, read-only: the Engine API has no way to list one layer's own files (the Inspect panel shows
    // them, whiteouts included). The layer is named by its DiffID, as RootFS.Layers names it.
    const layerFiles = /^\/drydock\/layers\/([^/]+)\/files$/.exec(path);
    if (layerFiles && method === 'GET') {
      const diffId = decodePathSegment(layerFiles[1] as string);
      const layer = images.db.all().flatMap((i) => i.layers).find((l) => l.diffId === diffId);
      if (!layer) throw new EngineError('NOT_FOUND', `No such layer: ${diffId}`);
      return jsonResponse(await listLayerFiles(await images.layerTar(layer)));
    }

    const named = /^\/images\/(.+?)(\/json|\/history|\/tag|\/push)?$/.exec(path);
    if (named) {
      const name = decodePathSegment(named[1] as string);
      const action = named[2];
      if (action === '/json' && method === 'GET') return jsonResponse(await inspectImage(images, service.content, name));
      if (action === '/history' && method === 'GET') return jsonResponse(await imageHistory(images, service.content, name));
      if (action === '/tag' && method === 'POST') return tag(name, q);
      if (action === '/push' && method === 'POST') return push(request, name, q);
      if (action === undefined && method === 'DELETE') {
        // image_delete.go logs both with the image ID as actor and name
        const id = images.find(name)?.id;
        const removed = await images.remove(name, { force: boolValue(q.get('force')), noPrune: boolValue(q.get('noprune')) });
        for (const item of removed) {
          if ('Untagged' in item && id) imageEvent('untag', id, id);
          if ('Deleted' in item) imageEvent('delete', item.Deleted as string, item.Deleted as string);
        }
        return jsonResponse(removed);
      }
    }
    const container = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (container && method === 'GET') {
      // No containers yet: `docker inspect NAME` asks for a container first and falls back to images on 404.
      throw new EngineError('NOT_FOUND', `No such container: ${decodePathSegment(container[1] as string)}`);
    }
    const other = /^\/(networks|volumes|nodes|services|tasks|secrets|configs|plugins)\/([^/]+)(\/json)?$/.exec(path);
    if (other && method === 'GET') {
      // Nothing of these kinds exists yet: a plain not-found lets `docker inspect NAME` try the next kind.
      throw new EngineError('NOT_FOUND', `${(other[1] as string).replace(/s$/, '')} ${decodePathSegment(other[2] as string)} not found`);
    }
    if (/^\/(containers|build|networks|volumes|exec|swarm|services|nodes|secrets|configs|plugins|session|events|distribution|commit|grpc)(\/|$)/.test(path)) {
      throw new EngineError('NOT_IMPLEMENTED', `${method} ${path} is not implemented in drydock yet`);
    }
    return jsonResponse({ message: `page not found` }, 404);
  }

  async function pull(request: Request, q: URLSearchParams): Promise<Response> {
    const from = q.get('fromImage');
    if (!from) {
      if (q.get('fromSrc')) throw new EngineError('NOT_IMPLEMENTED', 'docker import is not implemented in drydock yet');
      throw new EngineError('INVALID_ARGUMENT', 'fromImage or fromSrc is required');
    }
    const tag = q.get('tag') ?? '';
    const ref = parseDockerRef(from);
    // `tag` may be a tag or a digest (the CLI splits `name@sha256:...` that way); no tag means latest here,
    // not dockerd's "all tags".
    const reference = tag ? (tag.includes(':') ? `${familiarString({ domain: ref.domain, path: ref.path })}@${tag}` : familiarString(withTag(ref, tag))) : familiarString(ref);
    rememberRegistryAuth(request, ref.domain);
    return streamProgress(request, (onProgress, signal) => images.pull(reference, { onProgress, signal }).then(() => imageEvent('pull', reference, reference)));
  }

  async function push(request: Request, name: string, q: URLSearchParams): Promise<Response> {
    const tag = q.get('tag');
    const ref = parseNormalizedNamed(name);
    const full = tag ? familiarString(withTag(ref, tag)) : familiarString(ref);
    if (!images.find(full)) throw new EngineError('NOT_FOUND', `An image does not exist locally with the tag: ${familiarString({ domain: ref.domain, path: ref.path })}`);
    if (!pushImage) throw new EngineError('NOT_IMPLEMENTED', `push is not implemented in drydock yet (the in-browser registry for localhost:5000 is on its way)`);
    const auth = rememberRegistryAuth(request, ref.domain) ?? credentials.get(ref.domain);
    const push = pushImage;
    return streamProgress(request, (onProgress, signal) => push(full, { ...(auth ? { credentials: auth } : {}), onProgress, signal }).then(() => imageEvent('push', full, full)));
  }

  async function tag(name: string, q: URLSearchParams): Promise<Response> {
    const repo = q.get('repo');
    if (!repo) throw new EngineError('INVALID_ARGUMENT', 'repository name must have at least one component');
    const target = parseNormalizedNamed(repo);
    if (target.digest || target.tag) throw new EngineError('INVALID_ARGUMENT', `invalid reference format: repository name (${repo}) must not carry a tag or digest`);
    const newTag = withTag(target, q.get('tag') || 'latest');
    await images.tag(name, referenceString(newTag));
    const id = images.find(name)?.id;
    if (id) imageEvent('tag', id, familiarString(newTag));
    return new Response(null, { status: 201 });
  }

  /** daemon.LogImageEvent: the actor is an image ID or a reference, `name` a reference */
  function imageEvent(action: string, id: string, name: string): void {
    options.events?.log('image', action, id, { name });
  }

  async function login(request: Request): Promise<Response> {
    const body = (await readJsonBody(request, authConfig, { emptyOk: true })) ?? {};
    if (!body.username || !body.password) throw new EngineError('INVALID_ARGUMENT', 'username and password are required');
    const host = registryHost(body.serveraddress);
    const creds = { username: body.username, password: body.password };
    await checkLogin(loginFetch, baseUrl(host), creds, request.signal);
    await credentials.set(host, creds);
    return jsonResponse({ Status: 'Login Succeeded', IdentityToken: '' });
  }

  /** Credentials a client sends with a pull or push (`X-Registry-Auth`, base64url JSON) are used for that registry. */
  function rememberRegistryAuth(request: Request, host: string): Credentials | undefined {
    const header = request.headers.get('X-Registry-Auth');
    if (!header) return undefined;
    try {
      const json = JSON.parse(decodeBase64Url(header)) as { username?: string; password?: string };
      if (!json.username || !json.password) return undefined;
      const creds = { username: json.username, password: json.password };
      void credentials.set(host, creds).catch(() => undefined);
      return creds;
    } catch {
      return undefined;
    }
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * Runs a job that reports progress as dockerd does: a failure before the first message is an HTTP error
 * (status + `{"message"}`); after that the response is 200 and the error travels in the stream
 * (`{"errorDetail":{"message"},"error"}`), newline-delimited JSON.
 */
async function streamProgress(request: Request, job: (onProgress: (m: ProgressMessage) => void, signal: AbortSignal) => Promise<void>): Promise<Response> {
  const encoder = new TextEncoder();
  const queued: Uint8Array[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let started!: () => void;
  const firstMessage = new Promise<void>((resolve) => (started = resolve));
  const abort = new AbortController();
  request.signal.addEventListener('abort', () => abort.abort(), { once: true });
  const send = (value: unknown) => {
    const bytes = encoder.encode(`${JSON.stringify(value)}\r\n`);
    if (controller) controller.enqueue(bytes);
    else queued.push(bytes);
  };
  const done = job((m) => {
    send(wireMessage(m));
    started();
  }, abort.signal);
  const outcome = await Promise.race([firstMessage.then(() => 'streaming' as const), done.then(() => 'done' as const)]).catch((e: unknown) => e);
  if (outcome !== 'streaming' && outcome !== 'done') return errorResponse(outcome);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      for (const bytes of queued.splice(0)) c.enqueue(bytes);
      done.then(
        () => c.close(),
        (e: unknown) => {
          const message = messageOf(e);
          c.enqueue(encoder.encode(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`));
          c.close();
        },
      );
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'application/json' } });
}

/** dockerd sends `progressDetail: {}` with every per-layer message and a rendered `progress` bar with byte counts. */
function wireMessage(m: ProgressMessage): Record<string, unknown> {
  if (m.id === undefined) return { status: m.status };
  const out: Record<string, unknown> = { status: m.status, progressDetail: m.progressDetail ?? {}, id: m.id };
  if (m.progressDetail) out.progress = jsonProgressText(m.progressDetail.current, m.progressDetail.total);
  // The `tag: Pulling from repo` line carries no progress: a client clears its per-layer lines on it.
  if (m.status.startsWith('Pulling from ')) delete out.progressDetail;
  return out;
}


function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

function decodeBase64Url(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
