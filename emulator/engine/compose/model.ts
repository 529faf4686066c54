// The normalised Compose model, named after the Compose specification's keys (what `docker compose config` prints).

export interface PortConfig {
  name?: string;
  mode: string;
  host_ip?: string;
  target: number;
  /** a string, as Compose keeps it ("8080", or a range) */
  published?: string;
  protocol: string;
  app_protocol?: string;
}

export interface VolumeMount {
  type: 'bind' | 'volume';
  /** an absolute host path (bind), a volume key of the file (volume), absent for an anonymous volume */
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean };
  volume?: { nocopy?: boolean };
}

export interface Dependency {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  restart?: boolean;
  required: boolean;
}

export interface HealthCheck {
  test?: string[];
  timeout?: string;
  interval?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile: string;
  args?: Record<string, string | null>;
  target?: string;
}

export interface ServiceConfig {
  build?: BuildConfig;
  cap_add?: string[];
  cap_drop?: string[];
  command?: string[] | null;
  depends_on?: Record<string, Dependency>;
  deploy?: { replicas?: number };
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  env_file?: { path: string; required: boolean }[];
  expose?: string[];
  hostname?: string;
  healthcheck?: HealthCheck;
  image?: string;
  init?: boolean;
  labels?: Record<string, string>;
  networks?: Record<string, { aliases?: string[] } | null>;
  ports?: PortConfig[];
  privileged?: boolean;
  read_only?: boolean;
  restart?: string;
  user?: string;
  volumes?: VolumeMount[];
  working_dir?: string;
}

export interface NetworkConfig {
  name: string;
  driver?: string;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface VolumeConfig {
  name: string;
  driver?: string;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface ComposeProject {
  name: string;
  /** the project directory: relative paths of the file are resolved against it */
  workingDir: string;
  /** the compose files read, absolute */
  files: string[];
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
}
