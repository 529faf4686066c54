// Files in the machine's 9p share (/mnt/host in the guest), for features such as the editor and lessons.
import type { EmulatorLink, ShareEntry } from './emulator-client.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Paths are share-relative ("lesson/Dockerfile" is /mnt/host/lesson/Dockerfile in the guest). */
export class ShareFiles {
  readonly #client: () => EmulatorLink;

  /** `client` returns the current machine's client, or throws when there is no running machine. */
  constructor(client: () => EmulatorLink) {
    this.#client = client;
  }

  write(path: string, data: Uint8Array | string): Promise<void> {
    return this.#client().writeShareFile(normalise(path), typeof data === 'string' ? encoder.encode(data) : data);
  }

  read(path: string): Promise<Uint8Array> {
    return this.#client().readShareFile(normalise(path));
  }

  async readText(path: string): Promise<string> {
    return decoder.decode(await this.read(path));
  }

  list(path = ''): Promise<ShareEntry[]> {
    return this.#client().listShare(normalise(path));
  }

  /** Where the guest sees a share path. */
  static guestPath(path: string): string {
    const p = normalise(path);
    return p ? `/mnt/host/${p}` : '/mnt/host';
  }
}

function normalise(path: string): string {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new Error(`Share path must not contain "..": ${path}`);
  return parts.join('/');
}
