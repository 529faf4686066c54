// Types of the OCI image spec (descriptor, index, manifest, config, platform), named as the spec names them.
import type { Digest } from './digest.ts';

/** image-spec descriptor.md */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  artifactType?: string;
  platform?: Platform;
}

/** image-spec image-index.md; `platform` is the field's type */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

/** image-spec image-index.md (also the Docker manifest list) */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** image-spec manifest.md (also the Docker image manifest v2 schema 2) */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** image-spec config.md, "config" field: how to run the image */
/** Docker's HealthConfig (image config and container Config): durations in nanoseconds, zero = inherit or default. */
export interface HealthConfig {
  /** `[]` inherit, `["NONE"]` off, `["CMD", args...]`, `["CMD-SHELL", command]` */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  /** Docker extensions kept when present */
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  author?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface RootFs {
  type: 'layers';
  diff_ids: Digest[];
}

/** image-spec config.md */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: RootFs;
  history?: HistoryEntry[];
  /** Docker writes these; kept for inspect */
  docker_version?: string;
  comment?: string;
}

/** image-spec image-layout.md: the `oci-layout` file */
export interface OciLayout {
  imageLayoutVersion: '1.0.0';
}
