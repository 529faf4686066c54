// Files in the machine's 9p share (/mnt/host in the guest), for features such as the editor and lessons.
import type { ShareTreeEntry, ShareTreeOptions } from '../emulator/protocol.ts';
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
    return this.#client().writeShareFile(absolute(path), typeof data === 'string' ? encoder.encode(data) : data);
  }

  read(path: string): Promise<Uint8Array> {
    return this.#client().readShareFile(absolute(path));
  }

  async readText(path: string): Promise<string> {
    return decoder.decode(await this.read(path));
  }

  list(path = ''): Promise<ShareEntry[]> {
    return this.#client().listShare(absolute(path));
  }

  /** Everything under a folder, recursively, with content hashes (entries' paths are relative to it). */
  tree(path: string, options?: ShareTreeOptions): Promise<ShareTreeEntry[]> {
    return this.#client().shareTree(absolute(path), options);
  }

  /** rm -r; a missing path is not an error. */
  remove(path: string): Promise<void> {
    return this.#client().removeSharePath(absolute(path));
  }

  mkdir(path: string): Promise<void> {
    return this.#client().makeShareDirectory(absolute(path));
  }

  /** Where the guest sees a share path. */
  static guestPath(path: string): string {
    const p = normalise(path);
    return p ? `/mnt/host/${p}` : '/mnt/host';
  }
}

/** The worker's share file system takes absolute paths ("/lesson/Dockerfile"). */
function absolute(path: string): string {
  return `/${normalise(path)}`;
}

function normalise(path: string): string {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new Error(`Share path must not contain "..": ${path}`);
  return parts.join('/');
}
