// `npm run images:build`: builds the course's linux/386 images from Debian i386 packages into public/registry/.

import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGES, type ImageSpec, type LayerContext } from './images.ts';
import { buildLayer, byteOrder, type BuiltLayer } from './layer.ts';
import { MEDIA_TYPE, PLATFORM_386, type ContainerConfig, type Descriptor, type HistoryEntry, type ImageConfig, type ImageIndex, type ImageManifest } from './oci.ts';
import { missingDependencies, PackageCache, type DebPackage } from './packages.ts';
import { describe, jsonBytes, writeRegistry, type BlobSource, type RegistryImage } from './registry.ts';
import { mergeUsr, newestFileTime, pruneSlim } from './rootfs.ts';
import { run } from './sh.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD = join(HERE, '.build');
const REGISTRY = resolve(HERE, '../../public/registry');

interface BuiltImage {
  spec: ImageSpec;
  layers: (BuiltLayer & { name: string; packages: DebPackage[] })[];
  history: HistoryEntry[];
  packages: DebPackage[];
  epoch: number;
  /** Each layer's staged tree, bottom first (the base image's included): what `readBelow` reads. */
  roots: string[];
}

function main(): void {
  const started = Date.now();
  const updateLock = process.argv.includes('--update-lock');
  ensureBuildTools();
  const cache = new PackageCache(join(BUILD, 'debs'), join(HERE, 'packages.lock'), updateLock);
  const artifacts = { hello: buildHello(), npm: join(HERE, 'npm/npm-cli.js') };

  const built = new Map<string, BuiltImage>();
  for (const spec of IMAGES) {
    const t0 = Date.now();
    const image = buildImage(spec, built.get(spec.base ?? ''), cache, artifacts);
    built.set(spec.name, image);
    const size = image.layers.reduce((n, l) => n + l.size, 0);
    log(`${spec.name}: ${image.layers.length} layers, ${mib(size)} compressed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const registryImages = [...built.values()].map(toRegistryImage);
  const { blobCount } = writeRegistry(REGISTRY, registryImages);
  cache.writeLock();
  const unused = cache.unused();
  if (unused.length > 0) log(`unused .deb files in ${join(BUILD, 'debs')}: ${unused.join(' ')}`);
  const total = Number(run('du', ['-sb', '--', join(REGISTRY, 'blobs')]).split('\t')[0]);
  log(`registry: ${blobCount} blobs, ${mib(total)} in ${REGISTRY}; built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function buildImage(
  spec: ImageSpec,
  base: BuiltImage | undefined,
  cache: PackageCache,
  artifacts: LayerContext['artifacts'],
): BuiltImage {
  if (spec.base && !base) throw new Error(`${spec.name}: base ${spec.base} must be built first`);
  const ownPackages = spec.layers.map((layer) => layer.packages.map((name) => cache.get(name)));
  const packages = [...(base?.packages ?? []), ...ownPackages.flat()].sort((a, b) => byteOrder(a.name, b.name));
  reportMissing(spec, packages);

  // Each layer's files are unpacked first so the image's date can be the newest package file.
  const roots = spec.layers.map((_layer, i) => {
    const root = join(BUILD, 'stage', spec.name, String(i), 'root');
    rmSync(dirname(root), { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (const pkg of ownPackages[i]!) cache.extract(pkg, root);
    return root;
  });
  const packageTime = Math.max(0, ...roots.map(newestFileTime));
  const epoch = Math.max(spec.epoch ?? 0, packageTime, base?.epoch ?? 0);
  const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');

  const lowerRoots = [...(base?.roots ?? [])];
  const layers: BuiltImage['layers'] = [...(base?.layers ?? [])];
  const history: HistoryEntry[] = [...(base?.history ?? [])];
  const soFar: DebPackage[] = [...(base?.packages ?? [])];
  spec.layers.forEach((layer, i) => {
    const root = roots[i]!;
    soFar.push(...ownPackages[i]!);
    pruneSlim(root);
    if (layer.mergedUsr !== false) mergeUsr(root);
    const below = [...lowerRoots];
    layer.customize?.({
      root,
      epoch,
      artifacts,
      allPackages: [...soFar].sort((a, b) => byteOrder(a.name, b.name)),
      readBelow: (path) => readBelow(below, path),
      lowerRoots: below,
    });
    const keepIds = new Set<number>();
    for (const [path, [uid, gid]] of Object.entries(layer.owners ?? {})) {
      chownSync(join(root, path), uid, gid);
      keepIds.add(uid).add(gid);
    }
    lowerRoots.push(root);
    const out = join(BUILD, 'layers', `${spec.name}-${i}`);
    mkdirSync(dirname(out), { recursive: true });
    const builtLayer = buildLayer(root, out, epoch, [...keepIds].filter((id) => id !== 0).sort((a, b) => a - b));
    layers.push({ ...builtLayer, name: layer.name, packages: ownPackages[i]! });
    const contents = ownPackages[i]!.map((p) => `${p.name}=${p.version}`).join(' ');
    history.push({
      created,
      // Docker's classic wording for a root filesystem added from a tarball.
      created_by: layer.createdBy ?? `/bin/sh -c #(nop) ADD file:${builtLayer.diffId.slice('sha256:'.length)} in / `,
      comment: layer.comment?.([...soFar].sort((a, b) => byteOrder(a.name, b.name))) ?? (contents ? `${layer.name}: dpkg -x ${contents}` : layer.name),
    });
  });
  for (const step of spec.metadataSteps) {
    history.push({ created, created_by: `/bin/sh -c #(nop)  ${step}`, empty_layer: true });
  }
  return { spec, layers, history, packages, epoch, roots: lowerRoots };
}

/** A file as the layers below see it: the topmost staged layer that has it (these layers have no whiteouts). */
function readBelow(roots: string[], path: string): Buffer {
  for (const root of [...roots].reverse()) {
    const file = join(root, path);
    if (existsSync(file)) return readFileSync(file);
  }
  throw new Error(`no layer below has /${path}`);
}

/** Docker's key order for the container config, whatever order an image spec lists them in. */
function dockerOrder(c: ContainerConfig): ContainerConfig {
  return {
    ...(c.User !== undefined ? { User: c.User } : {}),
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Env: c.Env,
    ...(c.Entrypoint ? { Entrypoint: c.Entrypoint } : {}),
    Cmd: c.Cmd,
    ...(c.Volumes ? { Volumes: c.Volumes } : {}),
    ...(c.WorkingDir !== undefined ? { WorkingDir: c.WorkingDir } : {}),
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
  };
}

function toRegistryImage(image: BuiltImage): RegistryImage {
  const { spec } = image;
  const created = image.history.at(-1)!.created;
  const config: ImageConfig = {
    architecture: PLATFORM_386.architecture,
    os: PLATFORM_386.os,
    created,
    config: dockerOrder(spec.config),
    rootfs: { type: 'layers', diff_ids: image.layers.map((l) => l.diffId) },
    history: image.history,
  };
  const configBytes = jsonBytes(config);
  const configDescriptor = describe(MEDIA_TYPE.imageConfig, configBytes);
  const layerDescriptors: Descriptor[] = image.layers.map((l) => ({ mediaType: MEDIA_TYPE.layerTarGzip, digest: l.digest, size: l.size }));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.imageManifest,
    config: configDescriptor,
    layers: layerDescriptors,
  };
  const manifestBytes = jsonBytes(manifest);
  const manifestDescriptor = describe(MEDIA_TYPE.imageManifest, manifestBytes, { platform: PLATFORM_386 });
  const index: ImageIndex = { schemaVersion: 2, mediaType: MEDIA_TYPE.imageIndex, manifests: [manifestDescriptor] };
  const indexBytes = jsonBytes(index);
  const indexDescriptor = describe(MEDIA_TYPE.imageIndex, indexBytes);

  const blobs: BlobSource[] = [
    { digest: indexDescriptor.digest, bytes: indexBytes },
    { digest: manifestDescriptor.digest, bytes: manifestBytes },
    { digest: configDescriptor.digest, bytes: configBytes },
    ...image.layers.map((l) => ({ digest: l.digest, file: l.gzipPath })),
  ];
  const summary = {
    name: spec.name,
    tags: spec.tags,
    description: spec.description,
    platform: PLATFORM_386,
    created,
    base: spec.base ?? null,
    index: { digest: indexDescriptor.digest, size: indexDescriptor.size },
    manifest: { digest: manifestDescriptor.digest, size: manifestDescriptor.size },
    config: { digest: configDescriptor.digest, size: configDescriptor.size },
    cmd: spec.config.Cmd,
    ...(spec.config.Entrypoint ? { entrypoint: spec.config.Entrypoint } : {}),
    size: image.layers.reduce((n, l) => n + l.size, 0),
    unpackedSize: image.layers.reduce((n, l) => n + l.unpackedSize, 0),
    layers: image.layers.map((l) => ({
      name: l.name,
      digest: l.digest,
      diffId: l.diffId,
      size: l.size,
      tarSize: l.tarSize,
      unpackedSize: l.unpackedSize,
      files: l.files,
      packages: l.packages.map((p) => `${p.name}=${p.version}`),
    })),
  };
  return { name: spec.name, tags: spec.tags, index: indexDescriptor, manifest: manifestDescriptor, config: configDescriptor, blobs, summary };
}

function reportMissing(spec: ImageSpec, packages: DebPackage[]): void {
  const ignored: Record<string, string> = {};
  for (let s: ImageSpec | undefined = spec; s; s = IMAGES.find((i) => i.name === s!.base)) Object.assign(ignored, s.ignoredDeps);
  for (const [dep, wantedBy] of missingDependencies(packages)) {
    if (dep.split(' | ').some((d) => d in ignored)) continue;
    log(`${spec.name}: warning: ${dep} (needed by ${wantedBy.join(', ')}) is not in the image`);
  }
}

/** hello-world's program: no libc, raw syscalls, one 4 KB-aligned segment so it stays ~1 KB. */
function buildHello(): string {
  const out = join(BUILD, 'hello', 'hello');
  mkdirSync(dirname(out), { recursive: true });
  const compile = () =>
    run('gcc', [
      '-m32', '-static', '-Os', '-nostdlib', '-ffreestanding', '-fno-stack-protector', '-fno-pie', '-no-pie',
      '-fno-asynchronous-unwind-tables', '-fno-ident', '-s',
      '-Wl,--build-id=none', '-Wl,-z,max-page-size=4096', '-Wl,-z,noseparate-code',
      '-o', out, join(HERE, 'hello/hello.c'),
    ]);
  try {
    compile();
  } catch (error) {
    // Without libc nothing 32-bit should be needed beyond gcc and binutils; if this gcc disagrees, give it multilib.
    log(`gcc -m32 failed (${(error as Error).message.split('\n')[0]}); installing gcc-multilib`);
    aptInstall(['gcc-multilib']);
    compile();
  }
  return out;
}

/** A fresh Debian (amd64) machine: enable i386 packages and install the tools we call. */
function ensureBuildTools(): void {
  const archs = run('dpkg', ['--print-foreign-architectures']);
  if (!archs.split('\n').includes('i386')) {
    log('enabling the i386 architecture (dpkg --add-architecture i386)');
    run('dpkg', ['--add-architecture', 'i386']);
    run('apt-get', ['update', '-q'], { quiet: true });
  }
  const tools: [string, string][] = [['gcc', 'gcc'], ['tar', 'tar'], ['gzip', 'gzip'], ['find', 'findutils'], ['dpkg-deb', 'dpkg'], ['qemu-i386-static', 'qemu-user-static']];
  const missing = tools.filter(([tool]) => !hasCommand(tool)).map(([, pkg]) => pkg);
  if (missing.length > 0) aptInstall(missing);
}

function aptInstall(packages: string[]): void {
  log(`installing build tools: ${packages.join(' ')}`);
  run('apt-get', ['update', '-q'], { quiet: true });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { quiet: true, env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

function hasCommand(name: string): boolean {
  try {
    run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function log(line: string): void {
  process.stdout.write(`images: ${line}\n`);
}

main();
