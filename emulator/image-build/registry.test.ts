// The committed static registry is self-consistent: every path resolves, every blob matches its digest.

import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE, type ImageConfig, type ImageIndex, type ImageManifest } from './oci.ts';

const ROOT = resolve(import.meta.dirname, '../../public/registry');
const read = (path: string) => readFileSync(join(ROOT, path));
const json = <T>(path: string) => JSON.parse(read(path).toString('utf8')) as T;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Summary {
  name: string;
  tags: string[];
  index: { digest: string };
  layers: { digest: string; diffId: string; size: number }[];
}
const summaries = json<{ images: Summary[] }>('images.json').images;

describe('static registry', () => {
  it('lists the course images in the catalog', () => {
    expect(json<{ repositories: string[] }>('v2/_catalog').repositories).toEqual(['busybox', 'debian', 'hello-world', 'nginx', 'node', 'python', 'redis']);
  });

  for (const image of summaries) {
    describe(image.name, () => {
      it('resolves every tag to the same index, stored under its digest too', () => {
        expect(json<{ tags: string[] }>(`v2/${image.name}/tags/list`).tags).toEqual([...image.tags].sort());
        for (const tag of image.tags) {
          const bytes = read(`v2/${image.name}/manifests/${tag}`);
          expect(sha256(bytes)).toBe(image.index.digest);
          expect(read(`v2/${image.name}/manifests/${image.index.digest}`).equals(bytes)).toBe(true);
        }
      });

      it('has a linux/386 manifest whose config and layers match their digests', () => {
        const index = json<ImageIndex>(`v2/${image.name}/manifests/${image.index.digest}`);
        expect(index.mediaType).toBe(MEDIA_TYPE.imageIndex);
        expect(index.manifests).toHaveLength(1);
        const [entry] = index.manifests;
        expect(entry?.platform).toEqual({ architecture: '386', os: 'linux' });
        const manifestBytes = read(`v2/${image.name}/manifests/${entry!.digest}`);
        expect(sha256(manifestBytes)).toBe(entry!.digest);
        const manifest = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
        expect(manifest.mediaType).toBe(MEDIA_TYPE.imageManifest);
        expect(manifest.config.mediaType).toBe(MEDIA_TYPE.imageConfig);
        for (const blob of [manifest.config, ...manifest.layers]) {
          const bytes = read(`v2/${image.name}/blobs/${blob.digest}`);
          expect(sha256(bytes)).toBe(blob.digest);
          expect(bytes.length).toBe(blob.size);
          // Stored once: the repository path is a link into the OCI layout's blobs/.
          expect(readlinkSync(join(ROOT, `v2/${image.name}/blobs/${blob.digest}`))).toBe(`../../../blobs/sha256/${blob.digest.slice(7)}`);
        }
        const config = JSON.parse(read(`blobs/sha256/${manifest.config.digest.slice(7)}`).toString('utf8')) as ImageConfig;
        expect(config.architecture).toBe('386');
        expect(config.os).toBe('linux');
        expect(config.rootfs.diff_ids).toEqual(image.layers.map((l) => l.diffId));
        expect(config.history.filter((h) => !h.empty_layer)).toHaveLength(manifest.layers.length);
        expect(config.config.Env.some((e) => e.startsWith('PATH='))).toBe(true);
        expect(manifest.layers.map((l) => l.mediaType)).toEqual(manifest.layers.map(() => MEDIA_TYPE.layerTarGzip));
      });
    });
  }

  it('builds python, node, nginx and redis on the very same debian layers', () => {
    const layers = (name: string) => summaries.find((s) => s.name === name)!.layers.map((l) => l.digest);
    const debian = layers('debian');
    expect(debian.length).toBeGreaterThanOrEqual(2);
    for (const name of ['python', 'node', 'nginx', 'redis']) expect(layers(name).slice(0, debian.length)).toEqual(debian);
  });

  it('configures nginx and redis like Docker\'s official images', () => {
    const config = (name: string) => {
      const image = json<ImageIndex>(`v2/${name}/manifests/latest`);
      const manifest = json<ImageManifest>(`v2/${name}/manifests/${image.manifests[0]!.digest}`);
      return json<ImageConfig>(`blobs/sha256/${manifest.config.digest.slice(7)}`).config;
    };
    expect(config('nginx')).toMatchObject({
      ExposedPorts: { '80/tcp': {} },
      Cmd: ['nginx', '-g', 'daemon off;'],
      StopSignal: 'SIGQUIT',
    });
    expect(config('redis')).toMatchObject({
      ExposedPorts: { '6379/tcp': {} },
      Entrypoint: ['docker-entrypoint.sh'],
      Cmd: ['redis-server'],
      Volumes: { '/data': {} },
      WorkingDir: '/data',
    });
    // Docker's key order, as `docker inspect` prints a config pulled from Docker Hub.
    expect(Object.keys(config('redis'))).toEqual(['ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir']);
  });
});
