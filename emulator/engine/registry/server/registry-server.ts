// The in-browser registry: a web-standard `(Request) => Promise<Response>` handler implementing the
// distribution-spec pull and push endpoints over a BlobBackend, with local accounts and private repositories.
import { type BlobBackend, bytesStream, readAll } from '../../store/blob-backend.ts';
import { ContentStore } from '../../store/content-store.ts';
import { type Digest, digestingStream, isDigest, sha256Digest } from '../../oci/digest.ts';
import { isEngineError } from '../../errors.ts';
import { isIndexMediaType, isManifestMediaType } from '../../oci/media-types.ts';
import type { Descriptor, ImageIndex, ImageManifest } from '../../oci/oci-types.ts';
import { type BasicCredentials, isValidUsername, newAccount, parseBasicAuth, PasswordChecker } from './registry-auth.ts';
import { RegistryDb, type RepositoryRecord } from './registry-db.ts';
import {
  API_VERSION_HEADER,
  blobUnknown,
  denied,
  digestInvalid,
  manifestUnknown,
  nameUnknown,
  RegistryHttpError,
  unsupported,
  uploadUnknown,
} from './registry-errors.ts';

export type RegistryHandler = (request: Request) => Promise<Response>;

export interface RegistryServerOptions {
  /** where blobs (`blobs/sha256/<hex>`), the registry DB and upload parts live; its own, not the engine's */
  backend: BlobBackend;
  /** the name clients use for it, shown in the auth realm */
  host?: string;
  now?: () => Date;
}

type Action = 'pull' | 'push' | 'delete';

interface Upload {
  name: string;
  user: string | undefined;
  offset: number;
  parts: string[];
  /** a PATCH or PUT is being received: chunks of one session are sequential by the spec */
  busy: boolean;
}

const UPLOADS_DIR = 'uploads/';
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
// distribution-spec "Pulling manifests": repository names are path components of this grammar, 255 chars at most.
const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export class RegistryServer {
  readonly content: ContentStore;
  readonly db: RegistryDb;
  readonly host: string;
  readonly #backend: BlobBackend;
  readonly #now: () => Date;
  readonly #passwords = new PasswordChecker();
  readonly #uploads = new Map<string, Upload>();

  private constructor(options: RegistryServerOptions) {
    this.#backend = options.backend;
    this.content = new ContentStore(options.backend);
    this.db = new RegistryDb(this.content);
    this.host = options.host ?? 'localhost:5000';
    this.#now = options.now ?? (() => new Date());
  }

  static async open(options: RegistryServerOptions): Promise<RegistryServer> {
    const server = new RegistryServer(options);
    await server.db.load();
    // Upload sessions live in memory: parts left by a previous page are orphans, like a restarted registry's.
    for (const path of await options.backend.list(UPLOADS_DIR)) await options.backend.delete(path);
    return server;
  }

  /** The handler, bound, to put behind a fetch router or an HTTP adapter. */
  readonly handle: RegistryHandler = async (request) => {
    try {
      return await this.#route(request);
    } catch (e) {
      const error =
        e instanceof RegistryHttpError
          ? e
          : isEngineError(e, 'DIGEST_MISMATCH')
            ? digestInvalid(e.details ?? null)
            : new RegistryHttpError(500, 'UNKNOWN', `unknown error: ${e instanceof Error ? e.message : String(e)}`);
      // A body we did not read must not hold the client's stream open.
      await request.body?.cancel().catch(() => {});
      return error.toResponse(request.method === 'HEAD');
    }
  };

  async #route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const method = request.method;
    if (path === '/v2/' || path === '/v2') return this.#base(request);
    if (path === '/v2/_catalog') {
      if (method !== 'GET') throw unsupported(`${method} ${path}`);
      return this.#catalog(request, url);
    }
    let m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
    if (m) {
      const name = checkName(m[1] as string);
      const uuid = m[2] as string;
      if (uuid === '') {
        if (method !== 'POST') throw unsupported(`${method} ${path}`);
        return this.#startUpload(request, url, name);
      }
      switch (method) {
        case 'GET':
          return this.#uploadStatus(request, name, uuid);
        case 'PATCH':
          return this.#patchUpload(request, name, uuid);
        case 'PUT':
          return this.#finishUpload(request, url, name, uuid);
        case 'DELETE':
          return this.#cancelUpload(request, name, uuid);
        default:
          throw unsupported(`${method} ${path}`);
      }
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const name = checkName(m[1] as string);
      const reference = checkReference(m[2] as string);
      switch (method) {
        case 'GET':
        case 'HEAD':
          return this.#getManifest(request, name, reference);
        case 'PUT':
          return this.#putManifest(request, name, reference);
        case 'DELETE':
          return this.#deleteManifest(request, name, reference);
        default:
          throw unsupported(`${method} ${path}`);
      }
    }
    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (m) {
      const name = checkName(m[1] as string);
      const digest = m[2] as string;
      if (!isDigest(digest)) throw new RegistryHttpError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { digest } });
      if (method === 'GET' || method === 'HEAD') return this.#getBlob(request, name, digest);
      if (method === 'DELETE') return this.#deleteBlob(request, name, digest);
      throw unsupported(`${method} ${path}`);
    }
    m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (m) {
      if (method !== 'GET') throw unsupported(`${method} ${path}`);
      return this.#tags(request, url, checkName(m[1] as string));
    }
    throw new RegistryHttpError(404, 'UNSUPPORTED', `no such endpoint: ${method} ${path}`);
  }

  // --- auth -------------------------------------------------------------------------------------------

  /** The account the request authenticates as; anonymous without credentials; 401 on wrong ones. */
  #identify(request: Request): string | undefined {
    const credentials = basicCredentials(request);
    if (!credentials) return undefined;
    const account = this.db.account(credentials.username);
    if (!account || !this.#passwords.check(account, credentials.password)) throw this.#unauthorized('incorrect username or password');
    return account.username;
  }

  /**
   * The rule. A namespace (a repository name's first component) belongs to one account: the one that created
   * it (an account's own name, at sign-up) or first pushed to it; a later account of that name does not take it
   * over. Pushing and deleting need a login (401 with a Basic challenge, so that clients which only send
   * credentials when challenged, Docker and skopeo, send them) and the namespace's owner (403 for another
   * account). Pulling: an account's own namespace (`alice/...` owned by alice) is private to it, as on Docker
   * Hub; any other repository (`team/app`, `myapp`) is public.
   */
  #authorize(request: Request, name: string, action: Action): { user: string | undefined; repo: RepositoryRecord | undefined } {
    const user = this.#identify(request);
    const challenge = () => this.#unauthorized('authentication required', [{ Type: 'repository', Name: name, Action: action }]);
    if (action === 'pull') {
      if (!this.#mayPull(name, user)) throw user === undefined ? challenge() : denied();
      return { user, repo: this.db.repository(name) };
    }
    if (user === undefined) throw challenge();
    const namespace = namespaceOf(name);
    const owner = this.db.namespaceOwner(namespace);
    if (owner !== undefined && owner !== user) throw denied();
    // the first push claims the namespace (saved with the write that follows)
    if (owner === undefined) this.db.claimNamespace(namespace, user);
    return { user, repo: this.db.repository(name) };
  }

  #mayPull(name: string, user: string | undefined): boolean {
    const namespace = namespaceOf(name);
    const owner = this.db.namespaceOwner(namespace);
    return owner !== namespace || owner === user;
  }

  #unauthorized(message: string, detail: unknown = null): RegistryHttpError {
    return new RegistryHttpError(401, 'UNAUTHORIZED', message, {
      detail,
      headers: { 'WWW-Authenticate': `Basic realm="drydock registry ${this.host}"` },
    });
  }

  /**
   * `GET /v2/` with credentials is `docker login`: a known account must give its password; an unknown
   * username creates the account (sign-up by first login). Without credentials it answers 401 with a Basic
   * challenge, as registry:2 with htpasswd does: clients that learn the auth scheme from this ping (dockerd's
   * login, skopeo) then send their credentials. Anonymous requests to public repositories are still answered.
   */
  async #base(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw unsupported(`${request.method} /v2/`);
    const credentials = basicCredentials(request);
    if (credentials && !this.db.account(credentials.username)) await this.#signUp(credentials);
    else if (this.#identify(request) === undefined) throw this.#unauthorized('authentication required');
    return new Response(request.method === 'HEAD' ? null : '{}', { status: 200, headers: { ...API_VERSION_HEADER, 'Content-Type': 'application/json' } });
  }

  async #signUp(credentials: BasicCredentials): Promise<void> {
    if (!isValidUsername(credentials.username)) {
      throw this.#unauthorized(`invalid username "${credentials.username}": use lowercase letters, digits, '.', '_' or '-' (it becomes the namespace of your private repositories)`);
    }
    if (credentials.password.length === 0) throw this.#unauthorized('a password is required to create an account');
    this.db.addAccount(newAccount(credentials, this.#now()));
    // the account's own namespace, unless someone pushed there first
    this.db.claimNamespace(credentials.username, credentials.username);
    await this.db.save();
  }

  // --- listing ----------------------------------------------------------------------------------------

  async #catalog(request: Request, url: URL): Promise<Response> {
    const user = this.#identify(request);
    const names = this.db.repositoryNames().filter((n) => {
      const repo = this.db.repository(n) as RepositoryRecord;
      return Object.keys(repo.manifests).length > 0 && this.#mayPull(n, user);
    });
    const { page, link } = paginate(names, url, '/v2/_catalog');
    return jsonResponse({ repositories: page }, link ? { Link: link } : {});
  }

  async #tags(request: Request, url: URL, name: string): Promise<Response> {
    const { repo } = this.#authorize(request, name, 'pull');
    if (!repo || Object.keys(repo.manifests).length === 0) throw nameUnknown(name);
    const { page, link } = paginate(Object.keys(repo.tags).sort(), url, `/v2/${name}/tags/list`);
    return jsonResponse({ name, tags: page }, link ? { Link: link } : {});
  }

  // --- manifests ----------------------------------------------------------------------------------------

  async #getManifest(request: Request, name: string, reference: string): Promise<Response> {
    const { repo } = this.#authorize(request, name, 'pull');
    if (!repo) throw nameUnknown(name);
    const digest = isDigest(reference) ? reference : repo.tags[reference];
    const record = digest ? repo.manifests[digest] : undefined;
    if (!digest || !record) throw manifestUnknown(reference);
    const bytes = await this.content.readBlob(digest);
    return new Response(request.method === 'HEAD' ? null : (bytes as Uint8Array<ArrayBuffer>), {
      status: 200,
      headers: { ...API_VERSION_HEADER, 'Content-Type': record.mediaType, 'Content-Length': String(bytes.byteLength), 'Docker-Content-Digest': digest, ETag: `"${digest}"` },
    });
  }

  async #putManifest(request: Request, name: string, reference: string): Promise<Response> {
    const { repo: existing } = this.#authorize(request, name, 'push');
    const bytes = await readLimited(request, MAX_MANIFEST_BYTES);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) throw digestInvalid({ expected: reference, actual: digest });
    let document: Partial<ImageManifest & ImageIndex>;
    try {
      document = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ImageManifest & ImageIndex>;
    } catch {
      throw new RegistryHttpError(400, 'MANIFEST_INVALID', 'manifest invalid', { detail: 'not JSON' });
    }
    const contentType = request.headers.get('Content-Type')?.split(';')[0]?.trim();
    const mediaType = typeof document.mediaType === 'string' ? document.mediaType : contentType;
    if (document.mediaType && contentType && contentType !== document.mediaType) {
      throw new RegistryHttpError(400, 'MANIFEST_INVALID', 'manifest invalid', { detail: `Content-Type ${contentType} does not match the manifest's mediaType ${document.mediaType}` });
    }
    if (document.schemaVersion !== 2 || !mediaType || !(isManifestMediaType(mediaType) || isIndexMediaType(mediaType))) {
      throw new RegistryHttpError(400, 'MANIFEST_INVALID', 'manifest invalid', { detail: `unsupported manifest: schemaVersion ${String(document.schemaVersion)}, mediaType ${mediaType ?? 'none'}` });
    }
    // Everything a manifest names must already be in this repository (distribution-spec "Pushing Manifests").
    if (isManifestMediaType(mediaType)) {
      if (!document.config || !Array.isArray(document.layers)) throw new RegistryHttpError(400, 'MANIFEST_INVALID', 'manifest invalid', { detail: 'no config or layers' });
      for (const d of [document.config, ...document.layers] as Descriptor[]) {
        if (d.urls?.length) continue; // foreign layers are fetched from their URLs, never pushed
        if (!isDigest(d.digest) || !existing?.blobs.includes(d.digest) || !(await this.content.hasBlob(d.digest))) {
          throw new RegistryHttpError(400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: d.digest } });
        }
      }
    } else {
      if (!Array.isArray(document.manifests)) throw new RegistryHttpError(400, 'MANIFEST_INVALID', 'manifest invalid', { detail: 'no manifests' });
      for (const d of document.manifests) {
        if (!isDigest(d.digest) || !existing?.manifests[d.digest]) {
          throw new RegistryHttpError(400, 'MANIFEST_BLOB_UNKNOWN', 'manifest blob unknown to registry', { detail: { digest: d.digest } });
        }
      }
    }
    await this.content.putBlob(bytes, { digest, size: bytes.byteLength });
    const repo = this.db.ensureRepository(name, this.#now());
    repo.manifests[digest] = { mediaType, size: bytes.byteLength };
    if (!isDigest(reference)) repo.tags[reference] = digest;
    await this.db.save();
    return new Response(null, { status: 201, headers: { ...API_VERSION_HEADER, Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest } });
  }

  async #deleteManifest(request: Request, name: string, reference: string): Promise<Response> {
    const { repo } = this.#authorize(request, name, 'delete');
    if (!repo) throw nameUnknown(name);
    if (isDigest(reference)) {
      if (!repo.manifests[reference]) throw manifestUnknown(reference);
      delete repo.manifests[reference];
      for (const [tag, d] of Object.entries(repo.tags)) if (d === reference) delete repo.tags[tag];
      await this.db.save();
      await this.#collect(reference);
    } else {
      if (!repo.tags[reference]) throw manifestUnknown(reference);
      delete repo.tags[reference];
      await this.db.save();
    }
    return new Response(null, { status: 202, headers: API_VERSION_HEADER });
  }

  // --- blobs ------------------------------------------------------------------------------------------

  async #getBlob(request: Request, name: string, digest: Digest): Promise<Response> {
    const { repo } = this.#authorize(request, name, 'pull');
    const size = repo?.blobs.includes(digest) ? await this.content.blobSize(digest) : undefined;
    if (size === undefined) throw blobUnknown(digest);
    const headers = { ...API_VERSION_HEADER, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size), 'Docker-Content-Digest': digest, ETag: `"${digest}"` };
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    return new Response(await this.content.getBlob(digest), { status: 200, headers });
  }

  async #deleteBlob(request: Request, name: string, digest: Digest): Promise<Response> {
    const { repo } = this.#authorize(request, name, 'delete');
    if (!repo?.blobs.includes(digest)) throw blobUnknown(digest);
    repo.blobs = repo.blobs.filter((b) => b !== digest);
    await this.db.save();
    await this.#collect(digest);
    return new Response(null, { status: 202, headers: API_VERSION_HEADER });
  }

  /** Deletes a blob no repository links or names any more. */
  async #collect(digest: Digest): Promise<void> {
    if (!this.db.referencedBlobs().has(digest)) await this.content.deleteBlob(digest);
  }

  #link(name: string, digest: Digest): void {
    const repo = this.db.ensureRepository(name, this.#now());
    if (!repo.blobs.includes(digest)) repo.blobs.push(digest);
  }

  #blobCreated(name: string, digest: Digest): Response {
    return new Response(null, { status: 201, headers: { ...API_VERSION_HEADER, Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' } });
  }

  // --- uploads ----------------------------------------------------------------------------------------

  async #startUpload(request: Request, url: URL, name: string): Promise<Response> {
    const { user } = this.#authorize(request, name, 'push');
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount !== null && from !== null && isDigest(mount) && NAME_RE.test(from)) {
      // Cross-repository mount: only from a repository this user may pull, and only a blob linked there.
      const source = this.db.repository(from);
      const readable = source && this.#mayPull(from, user);
      if (readable && source.blobs.includes(mount) && (await this.content.hasBlob(mount))) {
        this.#link(name, mount);
        await this.db.save();
        return this.#blobCreated(name, mount);
      }
      // Otherwise the spec says: fall back to an ordinary upload session.
    }
    const digest = url.searchParams.get('digest');
    if (digest !== null) {
      // Monolithic upload: the whole blob in the POST body.
      if (!isDigest(digest)) throw digestInvalid({ digest });
      await this.#storeVerified(request.body ?? bytesStream(new Uint8Array()), digest);
      this.#link(name, digest);
      await this.db.save();
      return this.#blobCreated(name, digest);
    }
    await request.body?.cancel().catch(() => {});
    const uuid = crypto.randomUUID();
    this.#uploads.set(uuid, { name, user, offset: 0, parts: [], busy: false });
    return new Response(null, { status: 202, headers: this.#uploadHeaders(name, uuid, 0) });
  }

  #session(request: Request, name: string, uuid: string): Upload {
    const { user } = this.#authorize(request, name, 'push');
    const upload = this.#uploads.get(uuid);
    if (!upload || upload.name !== name) throw uploadUnknown(uuid);
    if (upload.user !== user) throw denied();
    return upload;
  }

  #uploadHeaders(name: string, uuid: string, offset: number): Record<string, string> {
    return {
      ...API_VERSION_HEADER,
      Location: `/v2/${name}/blobs/uploads/${uuid}`,
      'Docker-Upload-UUID': uuid,
      // The spec's Range is inclusive: bytes 0..offset-1 received (registry:2 says 0-0 for none yet).
      Range: `0-${Math.max(0, offset - 1)}`,
      'Content-Length': '0',
    };
  }

  async #uploadStatus(request: Request, name: string, uuid: string): Promise<Response> {
    const upload = this.#session(request, name, uuid);
    return new Response(null, { status: 204, headers: this.#uploadHeaders(name, uuid, upload.offset) });
  }

  async #patchUpload(request: Request, name: string, uuid: string): Promise<Response> {
    const upload = this.#session(request, name, uuid);
    const range = parseContentRange(request.headers.get('Content-Range'));
    if (range === null) throw new RegistryHttpError(400, 'BLOB_UPLOAD_INVALID', 'blob upload invalid', { detail: `bad Content-Range ${request.headers.get('Content-Range')}` });
    if (range && range.start !== upload.offset) {
      // Chunks must arrive in order (distribution-spec "Pushing a blob in chunks"): say where we are.
      await request.body?.cancel().catch(() => {});
      throw new RegistryHttpError(416, 'BLOB_UPLOAD_INVALID', 'blob upload invalid', {
        detail: `chunk starts at ${range.start}, expected ${upload.offset}`,
        headers: this.#uploadHeaders(name, uuid, upload.offset),
      });
    }
    const n = await this.#exclusive(upload, uuid, () => this.#appendPart(upload, uuid, request.body));
    if (range && n !== range.end - range.start + 1) {
      await this.#backend.delete(upload.parts.pop() as string);
      upload.offset -= n;
      throw new RegistryHttpError(400, 'BLOB_UPLOAD_INVALID', 'blob upload invalid', { detail: `Content-Range says ${range.end - range.start + 1} bytes, the body had ${n}` });
    }
    return new Response(null, { status: 202, headers: this.#uploadHeaders(name, uuid, upload.offset) });
  }

  /** Runs a body-receiving step of a session; a second one arriving meanwhile is out of order (416). */
  async #exclusive<T>(upload: Upload, uuid: string, step: () => Promise<T>): Promise<T> {
    if (upload.busy) {
      throw new RegistryHttpError(416, 'BLOB_UPLOAD_INVALID', 'blob upload invalid', {
        detail: 'another chunk of this upload is still arriving',
        headers: this.#uploadHeaders(upload.name, uuid, upload.offset),
      });
    }
    upload.busy = true;
    try {
      return await step();
    } finally {
      upload.busy = false;
    }
  }

  async #appendPart(upload: Upload, uuid: string, body: ReadableStream<Uint8Array> | null): Promise<number> {
    if (!body) return 0;
    const path = `${UPLOADS_DIR}${uuid}/${String(upload.parts.length).padStart(6, '0')}`;
    let n = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        n += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    await this.#backend.put(path, body.pipeThrough(counter));
    upload.parts.push(path);
    upload.offset += n;
    return n;
  }

  async #finishUpload(request: Request, url: URL, name: string, uuid: string): Promise<Response> {
    const upload = this.#session(request, name, uuid);
    const digest = url.searchParams.get('digest');
    if (digest === null || !isDigest(digest)) {
      await request.body?.cancel().catch(() => {});
      throw digestInvalid({ digest });
    }
    await this.#exclusive(upload, uuid, () => this.#appendPart(upload, uuid, request.body));
    this.#uploads.delete(uuid);
    try {
      await this.#storeVerified(this.#concat(upload.parts), digest, upload.offset);
    } finally {
      for (const part of upload.parts) await this.#backend.delete(part);
    }
    this.#link(name, digest);
    await this.db.save();
    return this.#blobCreated(name, digest);
  }

  async #cancelUpload(request: Request, name: string, uuid: string): Promise<Response> {
    const upload = this.#session(request, name, uuid);
    this.#uploads.delete(uuid);
    for (const part of upload.parts) await this.#backend.delete(part);
    return new Response(null, { status: 204, headers: API_VERSION_HEADER });
  }

  /** Stores uploaded bytes that must hash to `digest`; DIGEST_INVALID and nothing stored otherwise. */
  async #storeVerified(data: ReadableStream<Uint8Array>, digest: Digest, size?: number): Promise<void> {
    const expected = size === undefined ? { digest } : { digest, size };
    if (await this.content.hasBlob(digest)) {
      // The content store keeps what it has without reading the new bytes: check them anyway, or a
      // client could "upload" garbage under a known digest and be told it worked.
      const verify = digestingStream(expected);
      await readAll(data.pipeThrough(verify.stream));
      await verify.result;
      return;
    }
    await this.content.putBlob(data, expected);
  }

  #concat(parts: string[]): ReadableStream<Uint8Array> {
    const backend = this.#backend;
    let i = 0;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          if (!reader) {
            const path = parts[i++];
            if (path === undefined) {
              controller.close();
              return;
            }
            const stream = await backend.get(path);
            if (!stream) throw new Error(`upload part ${path} vanished`);
            reader = stream.getReader();
          }
          const { done, value } = await reader.read();
          if (!done) {
            controller.enqueue(value);
            return;
          }
          reader = undefined;
        }
      },
      async cancel() {
        await reader?.cancel();
      },
    });
  }
}

/** Basic credentials, or undefined; an empty username (`Basic Og==`, what skopeo sends without --creds) is anonymous. */
function basicCredentials(request: Request): BasicCredentials | undefined {
  const credentials = parseBasicAuth(request.headers.get('Authorization'));
  return credentials?.username ? credentials : undefined;
}

function checkName(name: string): string {
  if (name.length > 255 || !NAME_RE.test(name)) throw new RegistryHttpError(400, 'NAME_INVALID', 'invalid repository name', { detail: { name } });
  return name;
}

function checkReference(reference: string): string {
  if (isDigest(reference) || TAG_RE.test(reference)) return reference;
  throw new RegistryHttpError(400, 'TAG_INVALID', 'manifest tag did not match URI', { detail: { reference } });
}

/** `Content-Range: <start>-<end>` (inclusive); undefined when absent, null when malformed. */
function parseContentRange(header: string | null): { start: number; end: number } | undefined | null {
  if (header === null) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(header.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end >= start ? { start, end } : null;
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const bytes = request.body ? await readAll(request.body) : new Uint8Array();
  if (bytes.byteLength > limit) throw new RegistryHttpError(400, 'SIZE_INVALID', `manifest larger than ${limit} bytes`);
  return bytes;
}

/** distribution-spec pagination: `?n=<count>&last=<previous last>`, with a `Link` to the next page. */
function paginate(all: string[], url: URL, path: string): { page: string[]; link?: string } {
  const last = url.searchParams.get('last');
  const n = url.searchParams.get('n');
  let items = last === null ? all : all.filter((x) => x > last);
  if (n === null) return { page: items };
  const count = Math.max(0, Number.parseInt(n, 10) || 0);
  const more = items.length > count;
  items = items.slice(0, count);
  const tail = items.at(-1);
  if (!more || tail === undefined) return { page: items };
  return { page: items, link: `<${path}?n=${count}&last=${encodeURIComponent(tail)}>; rel="next"` };
}

function jsonResponse(value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status: 200, headers: { ...API_VERSION_HEADER, 'Content-Type': 'application/json', ...headers } });
}

/** A repository's namespace: the first component of its name (`team` of `team/app`, `myapp` of `myapp`). */
function namespaceOf(name: string): string {
  return name.split('/')[0] as string;
}
