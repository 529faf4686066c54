// Registry credentials held by the engine (`docker login`), looked up by registry host when a registry asks.
import type { Credentials } from '../registry/registry-client.ts';
import { DEFAULT_DOMAIN } from '../registry/reference.ts';
import { SaveQueue, type JsonStorage } from '../containers/json-storage.ts';

/** Docker Hub's legacy address, what `docker login` sends when no server is named. */
export const DOCKER_HUB_AUTH_ADDRESS = 'https://index.docker.io/v1/';

/** `https://index.docker.io/v1/`, `registry-1.docker.io`, `localhost:5000/` -> the host the engine keys on. */
export function registryHost(serverAddress: string | undefined): string {
  if (!serverAddress) return DEFAULT_DOMAIN;
  const host = serverAddress.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  if (host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') return DEFAULT_DOMAIN;
  return host;
}

/** Where the engine keeps its logins: a document of the engine's store, saved with the others in a checkpoint. */
export const CREDENTIALS_DOCUMENT = 'drydock-credentials.json';

/**
 * The engine's logins, by registry host: what the docker CLI keeps in ~/.docker/config.json. With a storage they
 * persist (the engine's own store, beside its other documents, so a checkpoint holds the login state too); they
 * are secrets: nothing here logs them.
 */
export class CredentialStore {
  readonly #byHost = new Map<string, Credentials>();
  readonly #queue: SaveQueue | undefined;

  constructor(storage?: JsonStorage) {
    this.#queue = storage ? new SaveQueue(storage) : undefined;
  }

  /** The logins saved in `storage` (none when it has none, or what it has is not a credentials document). */
  static async open(storage: JsonStorage): Promise<CredentialStore> {
    const store = new CredentialStore(storage);
    const text = await storage.load();
    let saved: unknown;
    try {
      saved = text ? JSON.parse(text) : undefined;
    } catch {
      saved = undefined;
    }
    const byHost = (saved as { credentials?: unknown } | undefined)?.credentials;
    if (byHost && typeof byHost === 'object') {
      for (const [host, c] of Object.entries(byHost as Record<string, Partial<Credentials>>)) {
        if (typeof c?.username === 'string' && typeof c.password === 'string') store.#byHost.set(host, { username: c.username, password: c.password });
      }
    }
    return store;
  }

  get(host: string): Credentials | undefined {
    return this.#byHost.get(registryHost(host));
  }

  async set(host: string, credentials: Credentials): Promise<void> {
    this.#byHost.set(registryHost(host), { username: credentials.username, password: credentials.password });
    await this.#save();
  }

  /** Returns whether there was anything to forget. */
  async delete(host: string): Promise<boolean> {
    const had = this.#byHost.delete(registryHost(host));
    if (had) await this.#save();
    return had;
  }

  hosts(): string[] {
    return [...this.#byHost.keys()];
  }

  /** The `credentials` hook of the registry client. */
  readonly lookup = async (host: string): Promise<Credentials | undefined> => this.get(host);

  async #save(): Promise<void> {
    await this.#queue?.save(JSON.stringify({ credentials: Object.fromEntries(this.#byHost) }));
  }
}
