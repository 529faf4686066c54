// The image database: which images the engine has (by ID, the config digest), their tags and repo
// digests, and their layers keyed by chainID. Persisted as one JSON document in the content store.
import type { ContentStore } from '../store/content-store.ts';
import { type Digest, isDigest } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';
import { familiarString, isFullImageId, parseNormalizedNamed, parseReference, referenceString, type Reference } from '../registry/reference.ts';

export const IMAGE_DB_DOCUMENT = 'drydock-images.json';

export interface LayerRecord {
  /** the compressed blob in the content store */
  digest: Digest;
  mediaType: string;
  /** compressed size */
  size: number;
  diffId: Digest;
  chainId: Digest;
  /** bytes of file content once unpacked (Docker's layer size) */
  contentSize: number;
}

export interface ImageRecord {
  /** the config digest: Docker's image ID */
  id: Digest;
  /** full references, `docker.io/library/busybox:latest` */
  repoTags: string[];
  /** full references, `docker.io/library/busybox@sha256:...` */
  repoDigests: string[];
  manifestDigest: Digest;
  /** the index the manifest was picked from, kept so the store holds what the RepoDigest names */
  indexDigest?: Digest;
  layers: LayerRecord[];
  /** config `created`, RFC 3339 */
  created: string;
  /** when a tag last moved onto this image, RFC 3339 (Docker's Metadata.LastTagTime) */
  lastTagTime?: string;
}

interface DbDocument {
  version: 1;
  images: ImageRecord[];
}

export class ImageDb {
  readonly #store: ContentStore;
  #images = new Map<Digest, ImageRecord>();

  constructor(store: ContentStore) {
    this.#store = store;
  }

  async load(): Promise<void> {
    const doc = await this.#store.readDocument<DbDocument>(IMAGE_DB_DOCUMENT);
    this.#images = new Map((doc?.images ?? []).map((r) => [r.id, r]));
  }

  async save(): Promise<void> {
    const doc: DbDocument = { version: 1, images: [...this.#images.values()] };
    await this.#store.writeDocument(IMAGE_DB_DOCUMENT, doc);
  }

  all(): ImageRecord[] {
    return [...this.#images.values()];
  }

  get(id: Digest): ImageRecord | undefined {
    return this.#images.get(id);
  }

  put(record: ImageRecord): void {
    this.#images.set(record.id, record);
  }

  delete(id: Digest): void {
    this.#images.delete(id);
  }

  /** The image a full tag reference (`docker.io/library/busybox:latest`) points at. */
  byTag(fullRef: string): ImageRecord | undefined {
    return this.all().find((r) => r.repoTags.includes(fullRef));
  }

  /**
   * Finds an image the way `docker image inspect NAME` does: a reference (tag or digest), a full ID
   * (with or without `sha256:`), or a unique ID prefix.
   */
  find(nameOrId: string): { image: ImageRecord; ref?: Reference } | undefined {
    const idInput = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : isFullImageId(nameOrId) ? nameOrId : undefined;
    if (idInput !== undefined) {
      const image = this.#images.get(`sha256:${idInput}` as Digest);
      return image ? { image } : undefined;
    }
    let ref: Reference | undefined;
    try {
      ref = parseNormalizedNamed(nameOrId);
    } catch {
      ref = undefined;
    }
    if (ref) {
      const full = ref.digest ? referenceString({ domain: ref.domain, path: ref.path, digest: ref.digest }) : referenceString({ ...ref, tag: ref.tag ?? 'latest' });
      const image = ref.digest ? this.all().find((r) => r.repoDigests.includes(full)) : this.byTag(full);
      if (image) return { image, ref: ref.digest ? ref : { ...ref, tag: ref.tag ?? 'latest' } };
    }
    // A short ID: Docker accepts any unambiguous prefix of the hex ID.
    if (/^[a-f0-9]{1,64}$/.test(nameOrId)) {
      const matches = this.all().filter((r) => r.id.slice(7).startsWith(nameOrId));
      if (matches.length > 1) {
        throw new EngineError('CONFLICT', `ambiguous image ID prefix ${nameOrId}: it matches ${matches.length} images`);
      }
      if (matches[0]) return { image: matches[0] };
    }
    return undefined;
  }

  /** Every image holding a layer with this chainID. */
  imagesWithLayer(chainId: Digest): ImageRecord[] {
    return this.all().filter((r) => r.layers.some((l) => l.chainId === chainId));
  }
}

/** `docker.io/library/busybox:latest` -> `busybox:latest`, for Docker-facing JSON. */
export function familiarRef(full: string): string {
  return familiarString(parseReference(full));
}

export function isImageId(value: string): value is Digest {
  return isDigest(value);
}
