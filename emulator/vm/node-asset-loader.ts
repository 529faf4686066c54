// AssetLoader for Node (tests, bench, snapshot builder): files from a directory such as public/guest/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetLoader } from './guest-assets.ts';

export function nodeAssetLoader(directory: string): AssetLoader {
  return {
    async load(name, onProgress) {
      try {
        const data = await readFile(join(directory, name));
        onProgress?.(data.length, data.length);
        return new Uint8Array(data.buffer, data.byteOffset, data.length);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}
