// OCI runtime-spec config.json (config.md, config-linux.md) as TypeScript types: what the engine writes into a bundle and the runtime lowers.
import type { SpecSeccomp } from './seccomp-profile.ts';

/** runtime-spec config.md `process.user` */
export interface SpecUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  umask?: number;
}

/** runtime-spec config.md `process.capabilities`; names carry the `CAP_` prefix */
export interface SpecCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable?: string[];
  ambient?: string[];
}

/** runtime-spec config.md `process.rlimits[]` (POSIX platforms) */
export interface SpecRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface SpecConsoleSize {
  height: number;
  width: number;
}

export interface SpecProcess {
  terminal?: boolean;
  consoleSize?: SpecConsoleSize;
  user: SpecUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: SpecCapabilities;
  noNewPrivileges?: boolean;
  rlimits?: SpecRlimit[];
  oomScoreAdj?: number;
  apparmorProfile?: string;
}

export interface SpecRoot {
  path: string;
  readonly?: boolean;
}

export interface SpecMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** config-linux.md namespace types */
export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface SpecNamespace {
  type: NamespaceType;
  /** join an existing namespace (e.g. /proc/<pid>/ns/net) instead of creating one */
  path?: string;
}

export interface SpecMemory {
  /** bytes; cgroup v2 memory.max */
  limit?: number;
  /** memory+swap in bytes (runtime-spec v1 semantics); cgroup v2 memory.swap.max = swap - limit */
  swap?: number;
  reservation?: number;
}

export interface SpecPids {
  /** cgroup v2 pids.max; 0 or negative means unlimited */
  limit: number;
}

export interface SpecCpu {
  /** microseconds per period; cgroup v2 cpu.max "<quota> <period>" */
  quota?: number;
  period?: number;
  /** cgroup v1 shares; v2 runtimes convert to cpu.weight */
  shares?: number;
}

export interface SpecDeviceCgroup {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface SpecResources {
  memory?: SpecMemory;
  pids?: SpecPids;
  cpu?: SpecCpu;
  devices?: SpecDeviceCgroup[];
}

/** config-linux.md `linux.devices[]`: a node the runtime makes in the container's /dev (`--device`) */
export interface SpecDevice {
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface SpecLinux {
  namespaces: SpecNamespace[];
  devices?: SpecDevice[];
  resources?: SpecResources;
  cgroupsPath?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctl?: Record<string, string>;
  seccomp?: SpecSeccomp;
}

/** The whole config.json. Field order here is the order Docker's config.json has. */
export interface RuntimeSpec {
  ociVersion: string;
  process: SpecProcess;
  root: SpecRoot;
  hostname?: string;
  mounts: SpecMount[];
  linux: SpecLinux;
  annotations?: Record<string, string>;
}

/** The runtime-spec version the engine writes (the one moby 24-27 writes through runc's specs-go). */
export const OCI_VERSION = '1.0.2-dev';

/**
 * config.json as the bundle holds it: indented, but each list of plain strings (args, env, capabilities, the seccomp
 * profile's names) on one line. The file crosses the guest's serial line (~50 KB/s) for every container started;
 * Docker's seccomp profile alone would be 640 lines of names.
 */
export function specJson(spec: RuntimeSpec): string {
  return `${JSON.stringify(spec, null, 2).replace(/\[\n\s+("(?:[^"\\]|\\.)*"(?:,\n\s+"(?:[^"\\]|\\.)*")*)\n\s+\]/g, (_, items: string) => `[${items.replace(/,\n\s+/g, ', ')}]`)}\n`;
}
