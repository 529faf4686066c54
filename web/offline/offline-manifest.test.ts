import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOfflineManifest, isPrecached, offlineUrl, parseOfflineManifest, registryBlobDigest, type OfflineFile } from './offline-manifest.ts';
import { offlineManifestOfDir, writeOfflineManifest } from './offline-manifest-node.ts';

const HEX = 'a'.repeat(64);
const file = (path: string, sha256 = HEX, size = 1): OfflineFile => ({ path, size, sha256 });

describe('offline manifest', () => {
  it('precaches the app shell, the guest and the registry, not its blobs, the worker or the list itself', () => {
    for (const path of ['index.html', 'assets/App-BE5TnoND.js', 'assets/v86-BshLEa5c.wasm', 'guest/state.bin.zst', 'guest/snapshot.json',
      'registry/v2/busybox/manifests/latest', `registry/v2/busybox/manifests/sha256:${HEX}`, 'registry/v2/_catalog', 'registry/images.json']) {
      expect(isPrecached(path), path).toBe(true);
    }
    for (const path of ['port-sw.js', 'offline-manifest.json', `registry/blobs/sha256/${HEX}`, `registry/v2/busybox/blobs/sha256:${HEX}`,
      `registry/v2/library/busybox/blobs/sha256:${HEX}`, 'assets/App.js.map', '.DS_Store', 'guest/.build/x']) {
      expect(isPrecached(path), path).toBe(false);
    }
  });

  it('names a blob by its digest in both registry layouts, and nothing else', () => {
    expect(registryBlobDigest(`registry/blobs/sha256/${HEX}`)).toBe(`sha256:${HEX}`);
    expect(registryBlobDigest(`registry/v2/a/b/blobs/sha256:${HEX}`)).toBe(`sha256:${HEX}`);
    expect(registryBlobDigest(`registry/v2/busybox/manifests/sha256:${HEX}`)).toBeNull();
    expect(registryBlobDigest(`registry/blobs/sha256/${HEX.slice(1)}`)).toBeNull();
    expect(registryBlobDigest(`guest/blobs/sha256/${HEX}`)).toBeNull();
  });

  it('has a version that depends on the contents, not on the order the files were found in', () => {
    const a = [file('index.html', HEX), file('guest/bzImage', 'b'.repeat(64)), file(`registry/blobs/sha256/${HEX}`)];
    const m = buildOfflineManifest(a);
    expect(m.precache.map((f) => f.path)).toEqual(['guest/bzImage', 'index.html']);
    expect(m.blobs).toEqual([`sha256:${HEX}`]);
    expect(m.version).toMatch(/^[0-9a-f]{16}$/);
    expect(buildOfflineManifest([...a].reverse()).version).toBe(m.version);
    expect(buildOfflineManifest([file('index.html', 'c'.repeat(64)), ...a.slice(1)]).version).not.toBe(m.version);
    expect(buildOfflineManifest([...a, file(`registry/v2/x/blobs/sha256:${'d'.repeat(64)}`)]).version).not.toBe(m.version);
  });

  it('refuses paths outside the base and missing digests, saying which', () => {
    expect(() => buildOfflineManifest([file('/index.html')])).toThrow('"/index.html" is not a path relative');
    expect(() => buildOfflineManifest([file('guest/../x')])).toThrow('"guest/../x"');
    expect(() => buildOfflineManifest([file('index.html', 'xyz')])).toThrow('"index.html" has no SHA-256');
  });

  it('reads back what it wrote and says what is wrong with a bad list', () => {
    const m = buildOfflineManifest([file('index.html')]);
    expect(parseOfflineManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(() => parseOfflineManifest(null)).toThrow('offline-manifest.json: not a JSON object');
    expect(() => parseOfflineManifest({ ...m, version: '' })).toThrow('no "version"');
    expect(() => parseOfflineManifest({ ...m, precache: [{ path: 'x' }] })).toThrow('precache[0] is not {path, size, sha256}');
    expect(() => parseOfflineManifest({ ...m, blobs: [1] })).toThrow('no "blobs" list');
  });

  it('resolves paths under any base, keeping the registry digest colon as the client writes it', () => {
    expect(offlineUrl(`registry/v2/b/manifests/sha256:${HEX}`, 'https://x.org/a/b/')).toBe(`https://x.org/a/b/registry/v2/b/manifests/sha256:${HEX}`);
    expect(offlineUrl('index.html', new URL('http://h:1/'))).toBe('http://h:1/index.html');
    expect(offlineUrl('guest/a b', 'http://h/d/')).toBe('http://h/d/guest/a%20b');
  });

  it('is built from a directory on disk: hashes the precached files and lists the blobs by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offline-manifest-'));
    try {
      await mkdir(join(dir, 'assets'));
      await mkdir(join(dir, 'registry/blobs/sha256'), { recursive: true });
      await writeFile(join(dir, 'index.html'), '<!doctype html>');
      await writeFile(join(dir, 'assets/a.js'), 'x');
      await writeFile(join(dir, 'port-sw.js'), 'worker');
      await writeFile(join(dir, `registry/blobs/sha256/${HEX}`), 'blob');
      const written = await writeOfflineManifest(dir);
      expect(written.precache).toEqual([
        { path: 'assets/a.js', size: 1, sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' },
        { path: 'index.html', size: 15, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      ]);
      expect(written.blobs).toEqual([`sha256:${HEX}`]);
      expect(JSON.parse(await readFile(join(dir, 'offline-manifest.json'), 'utf8'))).toEqual(written);
      // The list itself is not part of the next listing: writing it again gives the same version.
      expect((await offlineManifestOfDir(dir)).version).toBe(written.version);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
