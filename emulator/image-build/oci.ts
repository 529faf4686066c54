// OCI image-spec shapes and media types used to write the course's images (build side only).

export const MEDIA_TYPE = {
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  layerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export type Digest = `sha256:${string}`;

export interface Platform {
  architecture: string;
  os: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * Docker's container config subset our images set (image-spec "config" object). Written in the key order
 * Docker's own configs have (User, ExposedPorts, Env, Entrypoint, Cmd, Volumes, WorkingDir, StopSignal).
 */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env: string[];
  Entrypoint?: string[];
  Cmd: string[];
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  StopSignal?: string;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  created: string;
  author?: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history: HistoryEntry[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPE.imageManifest;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPE.imageIndex;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The platform every drydock image targets: v86 emulates a 32-bit x86 CPU. */
export const PLATFORM_386: Platform = { architecture: '386', os: 'linux' };

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
