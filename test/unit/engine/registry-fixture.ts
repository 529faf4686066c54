// Test support: builds OCI images in memory and serves them on 127.0.0.1 as a Distribution API registry
// (static-file style by default), optionally behind bearer token auth.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { packTar, type TarEntry } from 'modern-tar';

export const sha = (b: Uint8Array | string) => `sha256:${createHash('sha256').update(b).digest('hex')}` as `sha256:${string}`;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

export interface LayerSpec {
  entries: TarEntry[];
  createdBy?: string;
}

export interface ImageSpec {
  /** repository path, e.g. library/busybox */
  name: string;
  tag: string;
  layers: LayerSpec[];
  /** empty history entries (ENV, CMD...) appended after the layers */
  emptyHistory?: string[];
  architecture?: string;
  /** other platforms in the index (only names; their manifests are not served) */
  otherPlatforms?: { os: string; architecture: string; variant?: string }[];
  /** serve a bare manifest instead of an index */
  noIndex?: boolean;
  docker?: boolean;
  config?: Record<string, unknown>;
  created?: string;
}

export interface BuiltImage {
  indexDigest?: string;
  manifestDigest: string;
  configDigest: string;
  layers: { digest: string; diffId: string; size: number; tar: Uint8Array; gz: Uint8Array }[];
}

export async function tarOf(entries: TarEntry[]): Promise<Uint8Array> {
  return packTar(entries);
}

export class RegistryFixture {
  /** path under /v2/ (e.g. `library/busybox/manifests/latest`) -> body + content type */
  readonly files = new Map<string, { body: Uint8Array; type: string }>();
  readonly requests: string[] = [];
  /** set to require `Authorization` (bearer via /token with these basic credentials) */
  auth?: { username: string; password: string };
  /** send proper media types (a dev server) or octet-stream (a plain static host) */
  properTypes = false;
  #server?: ReturnType<typeof createServer>;
  url = '';

  async addImage(spec: ImageSpec): Promise<BuiltImage> {
    const layers = [];
    for (const layer of spec.layers) {
      const tar = await tarOf(layer.entries);
      const gz = new Uint8Array(gzipSync(tar));
      const digest = sha(gz);
      this.files.set(`${spec.name}/blobs/${digest}`, { body: gz, type: 'application/octet-stream' });
      layers.push({ digest, diffId: sha(tar), size: gz.length, tar, gz });
    }
    const created = spec.created ?? '2026-01-02T03:04:05Z';
    const history = [
      ...spec.layers.map((l, i) => ({ created, created_by: l.createdBy ?? `/bin/sh -c #(nop) ADD layer${i}` })),
      ...(spec.emptyHistory ?? []).map((c) => ({ created, created_by: c, empty_layer: true })),
    ];
    const config = {
      created,
      architecture: spec.architecture ?? '386',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...spec.config },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history,
    };
    const configBytes = json(config);
    const configDigest = sha(configBytes);
    const docker = spec.docker ?? false;
    this.files.set(`${spec.name}/blobs/${configDigest}`, { body: configBytes, type: 'application/octet-stream' });
    const manifestType = docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
    const manifest = {
      schemaVersion: 2,
      mediaType: manifestType,
      config: {
        mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: configBytes.length,
      },
      layers: layers.map((l) => ({
        mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.size,
      })),
    };
    const manifestBytes = json(manifest);
    const manifestDigest = sha(manifestBytes);
    this.files.set(`${spec.name}/manifests/${manifestDigest}`, { body: manifestBytes, type: manifestType });
    const built: BuiltImage = { manifestDigest, configDigest, layers };
    if (spec.noIndex) {
      this.files.set(`${spec.name}/manifests/${spec.tag}`, { body: manifestBytes, type: manifestType });
      return built;
    }
    const indexType = docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
    const index = {
      schemaVersion: 2,
      mediaType: indexType,
      manifests: [
        ...(spec.otherPlatforms ?? []).map((p, i) => ({
          mediaType: manifestType,
          digest: sha(`other ${i} ${JSON.stringify(p)}`),
          size: 100,
          platform: p,
        })),
        { mediaType: manifestType, digest: manifestDigest, size: manifestBytes.length, platform: { os: 'linux', architecture: spec.architecture ?? '386' } },
        { mediaType: manifestType, digest: sha('attestation'), size: 100, platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    };
    const indexBytes = json(index);
    const indexDigest = sha(indexBytes);
    this.files.set(`${spec.name}/manifests/${spec.tag}`, { body: indexBytes, type: indexType });
    this.files.set(`${spec.name}/manifests/${indexDigest}`, { body: indexBytes, type: indexType });
    return { ...built, indexDigest };
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      const expected = this.auth ? `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` : '';
      if (req.headers.authorization !== expected) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
      return;
    }
    if (this.auth && req.headers.authorization !== 'Bearer tok-123') {
      res
        .writeHead(401, {
          'WWW-Authenticate': `Bearer realm="${this.url}/token",service="fixture",scope="repository:${url.pathname.split('/').slice(2, -2).join('/')}:pull"`,
        })
        .end();
      return;
    }
    const file = this.files.get(decodeURIComponent(url.pathname.replace(/^\/v2\//, '')));
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': this.properTypes ? file.type : 'application/octet-stream', 'Content-Length': file.body.length });
    res.end(file.body);
  }
}
