// Registry credentials held by the engine (`docker login`), looked up by registry host when a registry asks.
import type { Credentials } from '../registry/registry-client.ts';
import { DEFAULT_DOMAIN } from '../registry/reference.ts';

/** Docker Hub's legacy address, what `docker login` sends when no server is named. */
export const DOCKER_HUB_AUTH_ADDRESS = 'https://index.docker.io/v1/';

/** `https://index.docker.io/v1/`, `registry-1.docker.io`, `localhost:5000/` -> the host the engine keys on. */
export function registryHost(serverAddress: string | undefined): string {
  if (!serverAddress) return DEFAULT_DOMAIN;
  const host = serverAddress.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  if (host === '' || host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') return DEFAULT_DOMAIN;
  return host;
}

export class CredentialStore {
  readonly #byHost = new Map<string, Credentials>();

  get(host: string): Credentials | undefined {
    return this.#byHost.get(registryHost(host));
  }

  set(host: string, credentials: Credentials): void {
    this.#byHost.set(registryHost(host), credentials);
  }

  /** Returns whether there was anything to forget. */
  delete(host: string): boolean {
    return this.#byHost.delete(registryHost(host));
  }

  hosts(): string[] {
    return [...this.#byHost.keys()];
  }

  /** The `credentials` hook of the registry client. */
  readonly lookup = async (host: string): Promise<Credentials | undefined> => this.get(host);
}
