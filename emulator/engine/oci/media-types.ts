// Media types of the OCI image spec and their Docker image manifest v2 schema 2 equivalents: the only
// place in the engine where these strings are spelled out.

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociEmptyJson: 'application/vnd.oci.empty.v1+json',
  ociLayout: 'application/vnd.oci.layout.header.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** schema 1 is long deprecated; we only name it to refuse it clearly */
  dockerManifestSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerManifestSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  json: 'application/json',
  octetStream: 'application/octet-stream',
} as const;

export type MediaTypeName = (typeof MediaType)[keyof typeof MediaType];

export function isIndexMediaType(type: string | undefined): boolean {
  return type === MediaType.ociIndex || type === MediaType.dockerManifestList;
}

export function isManifestMediaType(type: string | undefined): boolean {
  return type === MediaType.ociManifest || type === MediaType.dockerManifest;
}

export function isConfigMediaType(type: string | undefined): boolean {
  return type === MediaType.ociConfig || type === MediaType.dockerConfig;
}

export function isSchema1MediaType(type: string | undefined): boolean {
  return type === MediaType.dockerManifestSchema1 || type === MediaType.dockerManifestSchema1Signed;
}

export type LayerCompression = 'gzip' | 'none' | 'zstd';

/** How a layer blob is compressed, or undefined when the type is not a layer we know. */
export function layerCompression(type: string): LayerCompression | undefined {
  switch (type) {
    case MediaType.ociLayerGzip:
    case MediaType.ociLayerNondistributableGzip:
    case MediaType.dockerLayerGzip:
    case MediaType.dockerForeignLayerGzip:
      return 'gzip';
    case MediaType.ociLayer:
      return 'none';
    case MediaType.ociLayerZstd:
      return 'zstd';
    default:
      return undefined;
  }
}

/** The Accept header for a manifest GET: indexes first so the registry can give us every platform. */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
];
