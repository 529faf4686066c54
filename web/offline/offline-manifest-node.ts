// The offline manifest of a build directory on disk (vite.config.ts after the build is written; the e2e test's "new
// deployment"): walks the directory, hashes the files it precaches, and writes `offline-manifest.json`.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { buildOfflineManifest, isPrecached, OFFLINE_MANIFEST_FILE, type OfflineFile, type OfflineManifest } from './offline-manifest.ts';

/** Every file under `dir` (symbolic links followed), as a path relative to it with '/' separators. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths: string[] = [];
  for (const entry of entries) {
    const full = join(entry.parentPath, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && (await stat(full)).isFile())) paths.push(relative(dir, full).split(sep).join('/'));
  }
  return paths;
}

/** The manifest of the build in `dir`; blobs are listed by name only (their digest is their name). */
export async function offlineManifestOfDir(dir: string): Promise<OfflineManifest> {
  const files: OfflineFile[] = [];
  for (const path of await filesUnder(dir)) {
    if (!isPrecached(path)) {
      files.push({ path, size: 0, sha256: '0'.repeat(64) });
      continue;
    }
    const bytes = await readFile(join(dir, path));
    files.push({ path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return buildOfflineManifest(files);
}

/** Writes `offline-manifest.json` into the build in `dir` and returns it. */
export async function writeOfflineManifest(dir: string): Promise<OfflineManifest> {
  const manifest = await offlineManifestOfDir(dir);
  await writeFile(join(dir, OFFLINE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}
