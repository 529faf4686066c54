// A Distribution API client over an injected fetch (the same code in Node tests and the browser worker):
// manifests with digest checks, linux/386 selection, streamed blobs, bearer token auth, optional CORS proxy.
import { readAll } from '../store/blob-backend.ts';
import { type Digest, digestMismatch, isDigest, parseDigest, sha256Digest } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import { isConfigMediaType, isIndexMediaType, isManifestMediaType, isSchema1MediaType, MANIFEST_ACCEPT, MediaType } from '../oci/media-types.ts';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from '../oci/oci-types.ts';
import { formatPlatform, GUEST_PLATFORM, PLATFORM_HELP, platformMatches } from '../oci/platform.ts';
import { DEFAULT_DOMAIN, familiarName, familiarString, type Reference } from './reference.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface Credentials {
  username: string;
  password: string;
}

/** Where a registry host is served from, and how its repository paths are spelled there. */
export interface RegistryEndpoint {
  /** the part before `/v2/` */
  baseUrl: string;
  /** rewrites a repository path, e.g. {@link withoutLibraryPrefix} for a mirror that stores `busybox`, not `library/busybox` */
  repositoryPath?: (path: string) => string;
  /**
   * The registry lists its repositories (`/v2/_catalog`) and tags (`/v2/<name>/tags/list`) to anyone, as the
   * app's static registry does: a pull of a missing image then says which images there are.
   */
  listsImages?: boolean;
}

/** For static mirrors that lay Docker Hub's official images out as `v2/busybox/...` instead of `v2/library/busybox/...`. */
export const withoutLibraryPrefix = (path: string): string => path.replace(/^library\//, '');

export interface RegistryClientOptions {
  fetch: FetchLike;
  /**
   * Registry host -> base URL (the part before `/v2/`) or endpoint. `{ 'docker.io': '/registry' }`
   * serves `docker pull debian` from the static registry shipped with the app.
   */
  registries?: Record<string, string | RegistryEndpoint>;
  /** Prefix put before the URL of any registry not in `registries`, for registries without CORS. Off by default. */
  corsProxy?: string;
  /** Credentials for a registry host (`docker login`), asked only when the registry demands them. */
  credentials?: (host: string) => Promise<Credentials | undefined>;
}

/** A fetched manifest or index with the digest of its exact bytes. */
export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
  document: ImageIndex | ImageManifest;
}

/** What a pull needs: the image for our platform and the digest Docker records as RepoDigest. */
export interface ResolvedImage {
  /** digest of what the tag points at (an index or a manifest): the RepoDigest */
  repoDigest: Digest;
  /** set when the tag points at an index */
  index?: FetchedManifest;
  manifest: FetchedManifest & { document: ImageManifest };
  config: { digest: Digest; bytes: Uint8Array; document: ImageConfig };
}

export interface PushRequestOptions {
  /** the account to push as (`docker login`); otherwise the client's `credentials` callback is asked */
  credentials?: Credentials;
  signal?: AbortSignal;
}

export interface UploadOptions extends PushRequestOptions {
  /** bytes per PATCH for big blobs; default 4 MiB */
  chunkSize?: number;
  /** blobs up to this size go in one POST; default 1 MiB */
  monolithicLimit?: number;
  /** bytes the registry has acknowledged so far */
  onProgress?: (sent: number) => void;
}

const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
const DEFAULT_MONOLITHIC_LIMIT = 1024 * 1024;

function pushAccess(options: PushRequestOptions): RequestAccess {
  return options.credentials ? { actions: 'pull,push', credentials: options.credentials } : { actions: 'pull,push' };
}

/** Re-slices a stream into pieces of exactly `size` bytes (the last one shorter). */
async function* rechunk(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let buffer = new Uint8Array(size);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let at = 0;
      while (at < value.byteLength) {
        const n = Math.min(size - filled, value.byteLength - at);
        buffer.set(value.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === size) {
          yield buffer;
          buffer = new Uint8Array(size);
          filled = 0;
        }
      }
    }
    if (filled > 0) yield buffer.slice(0, filled);
  } finally {
    reader.releaseLock();
  }
}

/** Who a request acts as and what it needs (`pull`, or `pull,push` for a push). */
interface RequestAccess {
  actions?: string;
  credentials?: Credentials;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export class RegistryClient {
  readonly #options: RegistryClientOptions;
  /** bearer tokens by `host scope` */
  readonly #tokens = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.#options = options;
  }

  /** Base URL of a registry host, with the CORS proxy applied to real remote registries. */
  baseUrl(host: string): string {
    const mapped = this.#options.registries?.[host];
    if (mapped !== undefined) return (typeof mapped === 'string' ? mapped : mapped.baseUrl).replace(/\/+$/, '');
    const remote = host === DEFAULT_DOMAIN ? 'https://registry-1.docker.io' : `${isLocal(host) ? 'http' : 'https'}://${host}`;
    return this.#options.corsProxy ? `${this.#options.corsProxy}${remote}` : remote;
  }

  /** `<base>/v2/<repository path>` for a reference. */
  repositoryUrl(ref: Reference): string {
    const mapped = this.#options.registries?.[ref.domain];
    const path = typeof mapped === 'object' && mapped.repositoryPath ? mapped.repositoryPath(ref.path) : ref.path;
    return `${this.baseUrl(ref.domain)}/v2/${path}`;
  }

  /** GETs a manifest or index by the reference's digest (verified) or tag (digest recorded). */
  async getManifest(ref: Reference, reference: string = ref.digest ?? ref.tag ?? 'latest', signal?: AbortSignal): Promise<FetchedManifest> {
    const url = `${this.repositoryUrl(ref)}/manifests/${reference}`;
    const response = await this.#request(ref, url, { headers: { Accept: MANIFEST_ACCEPT.join(', ') } }, signal);
    if (response.status === 404) {
      await response.body?.cancel();
      const available = await this.#availableImages(ref, signal);
      throw new EngineError('MANIFEST_UNKNOWN', `manifest for ${familiarName(ref)}${isDigest(reference) ? '@' : ':'}${reference} not found: manifest unknown${available}`, {
        details: { reference: familiarString(ref), url },
      });
    }
    await this.#ensureOk(response, ref, url);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && digest !== reference) throw digestMismatch(reference, digest);
    const header = response.headers.get('Docker-Content-Digest');
    if (header && isDigest(header) && header !== digest) throw digestMismatch(header, digest);

    let document: ImageIndex | ImageManifest;
    try {
      document = JSON.parse(new TextDecoder().decode(bytes)) as ImageIndex | ImageManifest;
    } catch (e) {
      throw new EngineError('PROTOCOL', `manifest at ${url} is not JSON`, { cause: e });
    }
    const mediaType = manifestMediaType(document, response.headers.get('Content-Type'));
    if (isSchema1MediaType(mediaType)) {
      throw new EngineError('PROTOCOL', `${familiarString(ref)} uses the Docker schema 1 manifest format, which is no longer supported`);
    }
    return { digest, mediaType, bytes, document };
  }

  /**
   * Resolves a reference to the image for `platform` (linux/386): follows an index to the matching
   * manifest and fetches the config, checking its platform too.
   */
  async resolveImage(ref: Reference, platform: Platform = GUEST_PLATFORM, signal?: AbortSignal): Promise<ResolvedImage> {
    const top = await this.getManifest(ref, undefined, signal);
    let index: FetchedManifest | undefined;
    let manifest = top;
    if (isIndexMediaType(top.mediaType)) {
      index = top;
      const chosen = pickPlatform(top.document as ImageIndex, platform, ref);
      manifest = await this.getManifest(ref, chosen.digest, signal);
      if (!isManifestMediaType(manifest.mediaType)) {
        throw new EngineError('PROTOCOL', `index entry ${chosen.digest} of ${familiarString(ref)} is a ${manifest.mediaType}, not an image manifest`);
      }
    } else if (!isManifestMediaType(top.mediaType)) {
      throw new EngineError('PROTOCOL', `${familiarString(ref)} is a ${top.mediaType}, not an image`);
    }
    const imageManifest = manifest.document as ImageManifest;
    if (!imageManifest.config || !Array.isArray(imageManifest.layers)) {
      throw new EngineError('PROTOCOL', `manifest ${manifest.digest} of ${familiarString(ref)} has no config or layers`);
    }
    if (!isConfigMediaType(imageManifest.config.mediaType)) {
      throw new EngineError('PROTOCOL', `${familiarString(ref)} is not a container image (config type ${imageManifest.config.mediaType})`);
    }
    const configDigest = parseDigest(imageManifest.config.digest);
    const configBytes = await this.getBlobBytes(ref, imageManifest.config, signal);
    const config = JSON.parse(new TextDecoder().decode(configBytes)) as ImageConfig;
    if (!platformMatches({ os: config.os, architecture: config.architecture }, platform)) {
      throw new EngineError(
        'PLATFORM_UNSUPPORTED',
        `image with reference ${familiarString(ref)} was found but does not match the specified platform: wanted ${formatPlatform(platform)}, actual: ${formatPlatform(config)}. ${PLATFORM_HELP}.`,
        { details: { wanted: formatPlatform(platform), available: [formatPlatform(config)] } },
      );
    }
    const resolved: ResolvedImage = {
      repoDigest: top.digest,
      manifest: manifest as FetchedManifest & { document: ImageManifest },
      config: { digest: configDigest, bytes: configBytes, document: config },
    };
    if (index) resolved.index = index;
    return resolved;
  }

  /** GETs a blob as a stream; the caller verifies it (the content store does, while storing). */
  async getBlob(ref: Reference, descriptor: Pick<Descriptor, 'digest' | 'size'>, signal?: AbortSignal): Promise<{ stream: ReadableStream<Uint8Array>; size: number }> {
    const url = `${this.repositoryUrl(ref)}/blobs/${descriptor.digest}`;
    const response = await this.#request(ref, url, {}, signal);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new EngineError('BLOB_UNKNOWN', `blob ${descriptor.digest} of ${familiarName(ref)} not found: blob unknown to registry`, {
        details: { digest: descriptor.digest, url },
      });
    }
    await this.#ensureOk(response, ref, url);
    if (!response.body) throw new EngineError('PROTOCOL', `empty response for blob ${descriptor.digest} from ${url}`);
    const length = Number(response.headers.get('Content-Length') ?? descriptor.size);
    return { stream: response.body, size: Number.isFinite(length) ? length : descriptor.size };
  }

  /** A small blob (a config) read whole and verified. */
  async getBlobBytes(ref: Reference, descriptor: Pick<Descriptor, 'digest' | 'size'>, signal?: AbortSignal): Promise<Uint8Array> {
    const { stream } = await this.getBlob(ref, descriptor, signal);
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    const actual = sha256Digest(bytes);
    if (actual !== descriptor.digest) throw digestMismatch(descriptor.digest, actual);
    return bytes;
  }

  async listTags(ref: Reference, signal?: AbortSignal): Promise<string[]> {
    const url = `${this.repositoryUrl(ref)}/tags/list`;
    const response = await this.#request(ref, url, {}, signal);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new EngineError('NOT_FOUND', `repository ${familiarName(ref)} not found`, { details: { url } });
    }
    await this.#ensureOk(response, ref, url);
    const body = (await response.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  // --- push (distribution-spec "Push"); every body is bytes, so a request can be replayed after a 401 ---

  /** HEAD the blob in the target repository: true when the registry already has it there. */
  async blobExists(ref: Reference, digest: Digest, options: PushRequestOptions = {}): Promise<boolean> {
    const url = `${this.repositoryUrl(ref)}/blobs/${digest}`;
    const response = await this.#request(ref, url, { method: 'HEAD' }, options.signal, pushAccess(options));
    await response.body?.cancel();
    if (response.status === 404) return false;
    await this.#ensurePushOk(response, ref, url);
    return true;
  }

  /**
   * Cross-repository mount: asks the registry to link a blob it holds in `fromPath` (same registry) into
   * `ref`'s repository. True when it did (201); false when it offered an upload instead (202), which is dropped.
   */
  async mountBlob(ref: Reference, digest: Digest, fromPath: string, options: PushRequestOptions = {}): Promise<boolean> {
    const url = `${this.repositoryUrl(ref)}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromPath)}`;
    const response = await this.#request(ref, url, { method: 'POST', body: new Uint8Array() }, options.signal, pushAccess(options));
    await response.body?.cancel();
    if (response.status === 201) return true;
    await this.#ensurePushOk(response, ref, url);
    const location = response.headers.get('Location');
    if (response.status === 202 && location) {
      const cancel = await this.#request(ref, new URL(location, url).href, { method: 'DELETE' }, options.signal, pushAccess(options));
      await cancel.body?.cancel();
    }
    return false;
  }

  /**
   * Uploads a blob the registry verifies against `descriptor.digest`: one `POST ?digest=` with the whole
   * body for small blobs, `POST` + `PATCH` chunks (with `Content-Range`) + `PUT ?digest=` for big ones.
   */
  async uploadBlob(
    ref: Reference,
    descriptor: Pick<Descriptor, 'digest' | 'size'>,
    data: ReadableStream<Uint8Array>,
    options: UploadOptions = {},
  ): Promise<void> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const monolithicLimit = options.monolithicLimit ?? DEFAULT_MONOLITHIC_LIMIT;
    const access = pushAccess(options);
    const start = `${this.repositoryUrl(ref)}/blobs/uploads/`;
    const octets = { 'Content-Type': MediaType.octetStream };
    if (descriptor.size <= monolithicLimit) {
      const bytes = await readAll(data);
      const url = `${start}?digest=${encodeURIComponent(descriptor.digest)}`;
      const response = await this.#request(ref, url, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: octets }, options.signal, access);
      await this.#ensurePushOk(response, ref, url);
      await response.body?.cancel();
      if (response.status === 202) {
        // A registry without single-POST uploads opened a session instead: send the bytes with the PUT.
        await this.#finishUpload(ref, this.#location(response, url), descriptor.digest, bytes, options);
      }
      options.onProgress?.(bytes.byteLength);
      return;
    }
    const opened = await this.#request(ref, start, { method: 'POST', body: new Uint8Array() }, options.signal, access);
    await this.#ensurePushOk(opened, ref, start);
    await opened.body?.cancel();
    let location = this.#location(opened, start);
    let offset = 0;
    try {
      for await (const chunk of rechunk(data, chunkSize)) {
        const headers = { ...octets, 'Content-Range': `${offset}-${offset + chunk.byteLength - 1}` };
        const response = await this.#request(ref, location, { method: 'PATCH', body: chunk as Uint8Array<ArrayBuffer>, headers }, options.signal, access);
        await this.#ensurePushOk(response, ref, location);
        await response.body?.cancel();
        location = this.#location(response, location);
        offset += chunk.byteLength;
        options.onProgress?.(offset);
      }
      await this.#finishUpload(ref, location, descriptor.digest, new Uint8Array(), options);
    } catch (e) {
      // Cancelled or refused half-way: tell the registry to drop the session's parts (best effort, no signal).
      const cancel = await this.#request(ref, location, { method: 'DELETE' }, undefined, access).catch(() => undefined);
      await cancel?.body?.cancel();
      throw e;
    }
  }

  async #finishUpload(ref: Reference, location: string, digest: Digest, body: Uint8Array, options: PushRequestOptions): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const headers = { 'Content-Type': MediaType.octetStream };
    const response = await this.#request(ref, url.href, { method: 'PUT', body: body as Uint8Array<ArrayBuffer>, headers }, options.signal, pushAccess(options));
    await this.#ensurePushOk(response, ref, url.href);
    await response.body?.cancel();
  }

  /** The next URL of an upload session; relative Locations are resolved against the request's URL. */
  #location(response: Response, requestUrl: string): string {
    const location = response.headers.get('Location');
    if (!location) throw new EngineError('PROTOCOL', `the registry answered ${requestUrl} with HTTP ${response.status} but no Location for the upload`);
    return new URL(location, requestUrl).href;
  }

  /** PUTs a manifest or index under a tag (or its digest); returns the digest the registry stored it as. */
  async putManifest(ref: Reference, reference: string, bytes: Uint8Array, mediaType: string, options: PushRequestOptions = {}): Promise<Digest> {
    const url = `${this.repositoryUrl(ref)}/manifests/${reference}`;
    const response = await this.#request(ref, url, { method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'Content-Type': mediaType } }, options.signal, pushAccess(options));
    await this.#ensurePushOk(response, ref, url);
    await response.body?.cancel();
    // The spec answers 201 Created; a static file host answering 200 to any method stored nothing.
    if (response.status !== 201) {
      throw new EngineError('DENIED', `registry ${ref.domain} does not accept pushes to ${familiarName(ref)} (HTTP ${response.status} for PUT ${url})`, { details: { url, status: response.status } });
    }
    const digest = sha256Digest(bytes);
    const header = response.headers.get('Docker-Content-Digest');
    if (header && isDigest(header) && header !== digest) throw digestMismatch(digest, header);
    return digest;
  }

  /**
   * `docker login`: checks credentials against `GET /v2/` (Basic registries), or asks the token service of
   * a Bearer registry for a token with them. Throws UNAUTHORIZED the way Docker words a failed login.
   */
  async login(host: string, credentials: Credentials, signal?: AbortSignal): Promise<void> {
    const url = `${this.baseUrl(host)}/v2/`;
    const init = (authorization?: string): RequestInit => ({ ...(authorization ? { headers: { Authorization: authorization } } : {}), ...(signal ? { signal } : {}) });
    const response = await this.#fetch(url, init(basicAuth(credentials)));
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const challenge = parseChallenge(response.headers.get('WWW-Authenticate'));
    const said = await registryErrorText(response);
    const failed = (status: number, text: string, why: string) =>
      new EngineError('UNAUTHORIZED', `login attempt to ${url} failed with status: ${status} ${text}${why ? ` (${why})` : ''}`, { details: { registry: host } });
    if (response.status === 401 && challenge?.scheme === 'bearer') {
      const ref: Reference = { domain: host, path: '' };
      await this.#token(ref, { scheme: 'bearer', params: { ...challenge.params, scope: '' } }, '', credentials, signal).catch((e: unknown) => {
        throw failed(401, 'Unauthorized', e instanceof Error ? e.message : String(e));
      });
      return;
    }
    throw failed(response.status, response.statusText || (response.status === 401 ? 'Unauthorized' : ''), said);
  }

  /** Push errors as Docker prints them: `denied: requested access to the resource is denied`, `digest invalid: ...`. */
  async #ensurePushOk(response: Response, ref: Reference, url: string): Promise<void> {
    if (response.ok) return;
    const said = await registryErrorText(response);
    const details = { url, status: response.status };
    if (response.status === 403) throw new EngineError('DENIED', said || 'denied: requested access to the resource is denied', { details });
    if (response.status === 404 || response.status === 405) {
      throw new EngineError('DENIED', `registry ${ref.domain} does not accept pushes to ${familiarName(ref)} (HTTP ${response.status} for ${url})${said ? `: ${said}` : ''}`, { details });
    }
    if (said.startsWith('digest invalid')) throw new EngineError('DIGEST_MISMATCH', said, { details });
    if (said.startsWith('manifest blob unknown') || said.startsWith('blob unknown')) throw new EngineError('BLOB_UNKNOWN', said, { details });
    throw new EngineError('REGISTRY_UNREACHABLE', `registry ${ref.domain} answered HTTP ${response.status} for ${url}${said ? `: ${said}` : ''}`, { details });
  }

  /**
   * One request with the auth dance: 401 + challenge -> credentials or token -> one retry. Push requests
   * (`access.actions` 'pull,push') must have bodies that can be sent twice (bytes, not streams).
   */
  /**
   * ` (...)`: what a registry that lists its images has instead (its tags of this repository, or its repositories),
   * or '' when it does not list them or the listing fails (the pull's own error stays the news).
   */
  async #availableImages(ref: Reference, signal?: AbortSignal): Promise<string> {
    const mapped = this.#options.registries?.[ref.domain];
    if (typeof mapped !== 'object' || !mapped.listsImages) return '';
    const base = this.baseUrl(ref.domain);
    const getJson = async (url: string): Promise<unknown> => {
      const response = await this.#options.fetch(url, signal ? { signal } : {});
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      return response.json() as Promise<unknown>;
    };
    try {
      const catalog = (await getJson(`${base}/v2/_catalog`)) as { repositories?: unknown } | undefined;
      const repositories = Array.isArray(catalog?.repositories) ? catalog.repositories.filter((r): r is string => typeof r === 'string') : [];
      if (repositories.length === 0) return '';
      const path = mapped.repositoryPath ? mapped.repositoryPath(ref.path) : ref.path;
      const name = familiarName(ref);
      if (repositories.includes(path)) {
        const list = (await getJson(`${this.repositoryUrl(ref)}/tags/list`)) as { tags?: unknown } | undefined;
        const tags = Array.isArray(list?.tags) ? list.tags.filter((t): t is string => typeof t === 'string') : [];
        return tags.length > 0 ? ` (${name} here has the tags ${tags.join(', ')})` : '';
      }
      return ` (the images here are ${repositories.join(', ')}; this machine cannot reach other registries)`;
    } catch {
      return '';
    }
  }

  async #request(ref: Reference, url: string, init: RequestInit, signal?: AbortSignal, access: RequestAccess = {}): Promise<Response> {
    const actions = access.actions ?? 'pull';
    const scope = `repository:${ref.path}:${actions}`;
    const given = access.credentials;
    // Authorizations are cached per account too: a push with other credentials must not reuse them.
    const tokenKey = `${ref.domain} ${scope} ${given?.username ?? ''}`;
    const headers = new Headers(init.headers);
    const cached = this.#tokens.get(tokenKey);
    if (cached) headers.set('Authorization', cached);
    let response = await this.#fetch(url, { ...init, headers, ...(signal ? { signal } : {}) });
    if (response.status !== 401) return response;

    const challenge = parseChallenge(response.headers.get('WWW-Authenticate'));
    const said = await registryErrorText(response);
    const creds = given ?? (await this.#options.credentials?.(ref.domain));
    let authorization: string;
    if (challenge?.scheme === 'bearer') {
      authorization = `Bearer ${await this.#token(ref, challenge, scope, creds, signal, actions)}`;
    } else if (challenge?.scheme === 'basic' && creds) {
      authorization = basicAuth(creds);
    } else {
      throw unauthorized(ref, creds !== undefined, actions, said);
    }
    this.#tokens.set(tokenKey, authorization);
    headers.set('Authorization', authorization);
    response = await this.#fetch(url, { ...init, headers, ...(signal ? { signal } : {}) });
    if (response.status === 401) {
      const again = await registryErrorText(response);
      this.#tokens.delete(tokenKey);
      throw unauthorized(ref, creds !== undefined, actions, again);
    }
    return response;
  }

  async #token(ref: Reference, challenge: Challenge, scope: string, creds: Credentials | undefined, signal?: AbortSignal, actions = 'pull'): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new EngineError('PROTOCOL', `registry ${ref.domain} asked for a bearer token without a realm`);
    const tokenUrl = new URL(realm);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', challenge.params.scope ?? scope);
    const headers = new Headers();
    if (creds) headers.set('Authorization', basicAuth(creds));
    const proxied = this.#options.corsProxy && this.#options.registries?.[ref.domain] === undefined ? `${this.#options.corsProxy}${tokenUrl}` : tokenUrl.toString();
    const response = await this.#fetch(proxied, { headers, ...(signal ? { signal } : {}) });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw unauthorized(ref, creds !== undefined, actions);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new EngineError('UNAUTHORIZED', `token request to ${tokenUrl.origin}${tokenUrl.pathname} failed: HTTP ${response.status}`);
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new EngineError('PROTOCOL', `token response from ${tokenUrl.origin} has no token`);
    return token;
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#options.fetch(url, init);
    } catch (e) {
      if (init.signal?.aborted) throw new EngineError('ABORTED', `request to ${url} was cancelled`, { cause: e });
      throw new EngineError('REGISTRY_UNREACHABLE', `cannot reach the registry at ${url}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        details: { url },
      });
    }
  }

  async #ensureOk(response: Response, ref: Reference, url: string): Promise<void> {
    if (response.ok) return;
    const text = await response.text().catch(() => '');
    let registryMessage = '';
    try {
      const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      registryMessage = parsed.errors?.map((e) => `${e.code ?? ''}: ${e.message ?? ''}`).join('; ') ?? '';
    } catch {
      // not a registry error document
    }
    const suffix = registryMessage ? ` (${registryMessage})` : '';
    if (response.status === 403) {
      throw new EngineError('DENIED', `access to ${familiarName(ref)} on ${ref.domain} denied${suffix}`, { details: { url } });
    }
    if (response.status === 404) {
      throw new EngineError('NOT_FOUND', `${url} not found${suffix}`, { details: { url } });
    }
    throw new EngineError('REGISTRY_UNREACHABLE', `registry ${ref.domain} answered HTTP ${response.status} for ${url}${suffix}`, {
      details: { url, status: response.status },
    });
  }
}

/** Picks the linux/386 entry of an index, or explains which platforms the image does have. */
export function pickPlatform(index: ImageIndex, platform: Platform, ref: Reference): Descriptor {
  const found = index.manifests.find((m) => platformMatches(m.platform, platform));
  if (found) return found;
  // Attestations and signatures show up as unknown/unknown: not platforms a user can pick.
  const available = index.manifests
    .filter((m) => m.platform && m.platform.os !== 'unknown')
    .map((m) => formatPlatform(m.platform as Platform));
  const list = available.length ? available.join(', ') : 'no platforms at all';
  throw new EngineError(
    'PLATFORM_UNSUPPORTED',
    `no matching manifest for ${formatPlatform(platform)} in the manifest list entries: ${familiarString(ref)} is available for ${list}. ${PLATFORM_HELP}.`,
    { details: { wanted: formatPlatform(platform), available } },
  );
}

/** The media type of a manifest document: its own `mediaType` field first (static hosts send octet-stream). */
export function manifestMediaType(document: { mediaType?: string; manifests?: unknown; config?: unknown }, contentType: string | null): string {
  if (typeof document.mediaType === 'string' && document.mediaType) return document.mediaType;
  const header = contentType?.split(';')[0]?.trim();
  if (header && (isIndexMediaType(header) || isManifestMediaType(header) || isSchema1MediaType(header))) return header;
  if (Array.isArray(document.manifests)) return MediaType.ociIndex;
  if (document.config) return MediaType.ociManifest;
  return header ?? MediaType.octetStream;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (RFC 7235 auth-params). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\S+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  for (let p = re.exec(m[2] ?? ''); p; p = re.exec(m[2] ?? '')) {
    const key = p[1] as string;
    params[key.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: (m[1] ?? '').toLowerCase(), params };
}

function basicAuth(creds: Credentials): string {
  const bytes = new TextEncoder().encode(`${creds.username}:${creds.password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/**
 * Docker's wording: a pull says `pull access denied ...`, a push `unauthorized: authentication required`;
 * what the registry said (`unauthorized: ...`) is added when it said something.
 */
function unauthorized(ref: Reference, hadCredentials: boolean, actions = 'pull', registrySaid = ''): EngineError {
  const push = actions.includes('push');
  let message: string;
  if (hadCredentials) message = `unauthorized: the credentials for ${ref.domain} were refused for ${familiarName(ref)}${registrySaid ? ` (${registrySaid})` : ''}`;
  else if (push) message = registrySaid || 'unauthorized: authentication required';
  else message = `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login'${registrySaid ? `: ${registrySaid}` : ''}`;
  return new EngineError('UNAUTHORIZED', message, { details: { registry: ref.domain } });
}

/** `code: message` of a registry error body (lowercased code, as Docker prints it), or ''. Consumes the body. */
async function registryErrorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    // distribution's errcode: `digest invalid: provided digest did not match uploaded content`
    return parsed.errors?.map((e) => `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`).join('; ') ?? '';
  } catch {
    return '';
  }
}

function isLocal(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}
