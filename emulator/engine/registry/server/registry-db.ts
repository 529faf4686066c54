// The registry's own database: accounts, and per repository its owner, linked blobs, manifests and tags.
// One JSON document beside the registry's blobs, rewritten after every change (small: no layer bytes).
import type { ContentStore } from '../../store/content-store.ts';
import type { Digest } from '../../oci/digest.ts';

export const REGISTRY_DB_DOCUMENT = 'drydock-registry.json';

export interface AccountRecord {
  username: string;
  /** PBKDF2-SHA256 of the password, hex, and its salt */
  salt: string;
  hash: string;
  iterations: number;
  created: string;
}

export interface ManifestRecord {
  mediaType: string;
  size: number;
}

export interface RepositoryRecord {
  created: string;
  /** blobs linked into this repository (uploaded or mounted); a GET of any other blob is BLOB_UNKNOWN */
  blobs: Digest[];
  manifests: Record<string, ManifestRecord>;
  tags: Record<string, Digest>;
}

interface RegistryDocument {
  version: 1;
  accounts: AccountRecord[];
  repositories: Record<string, RepositoryRecord>;
  /** namespace (a repository name's first component) -> the account it belongs to: its creator or first pusher */
  namespaces: Record<string, string>;
}

export class RegistryDb {
  readonly #store: ContentStore;
  #doc: RegistryDocument = { version: 1, accounts: [], repositories: {}, namespaces: {} };
  /** saves run one after another so an older snapshot never overwrites a newer one */
  #saving: Promise<void> = Promise.resolve();

  constructor(store: ContentStore) {
    this.#store = store;
  }

  async load(): Promise<void> {
    const doc = await this.#store.readDocument<RegistryDocument>(REGISTRY_DB_DOCUMENT);
    if (doc) this.#doc = { version: 1, accounts: doc.accounts ?? [], repositories: doc.repositories ?? {}, namespaces: doc.namespaces ?? {} };
    // a registry saved before namespaces had owners: each account keeps the namespace of its own name, as then
    for (const a of this.#doc.accounts) this.claimNamespace(a.username, a.username);
  }

  save(): Promise<void> {
    const next = this.#saving.then(() => this.#store.writeDocument(REGISTRY_DB_DOCUMENT, this.#doc));
    this.#saving = next.catch(() => {});
    return next;
  }

  account(username: string): AccountRecord | undefined {
    return this.#doc.accounts.find((a) => a.username === username);
  }

  addAccount(account: AccountRecord): void {
    this.#doc.accounts.push(account);
  }

  /** The account a namespace belongs to, if any has it yet. */
  namespaceOwner(namespace: string): string | undefined {
    return Object.hasOwn(this.#doc.namespaces, namespace) ? this.#doc.namespaces[namespace] : undefined;
  }

  /** Gives a namespace that no account has yet to `username`; one already taken stays with its owner. */
  claimNamespace(namespace: string, username: string): void {
    if (this.namespaceOwner(namespace) === undefined) this.#doc.namespaces[namespace] = username;
  }

  repository(name: string): RepositoryRecord | undefined {
    return Object.hasOwn(this.#doc.repositories, name) ? this.#doc.repositories[name] : undefined;
  }

  /** The repository, created if it does not exist yet. */
  ensureRepository(name: string, now: Date): RepositoryRecord {
    const existing = this.repository(name);
    if (existing) return existing;
    const created: RepositoryRecord = { created: now.toISOString(), blobs: [], manifests: {}, tags: {} };
    this.#doc.repositories[name] = created;
    return created;
  }

  repositoryNames(): string[] {
    return Object.keys(this.#doc.repositories).sort();
  }

  /** Every blob some repository still links or names in a manifest (what deletes must keep). */
  referencedBlobs(): Set<string> {
    const used = new Set<string>();
    for (const repo of Object.values(this.#doc.repositories)) {
      for (const b of repo.blobs) used.add(b);
      for (const m of Object.keys(repo.manifests)) used.add(m);
    }
    return used;
  }
}
