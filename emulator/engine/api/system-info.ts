// `GET /version` and `GET /info` bodies, shaped like dockerd's, from facts the host supplies about the guest.

/** The Engine API version drydock speaks (Docker 24's), and the oldest a client may ask for. */
export const API_VERSION = '1.43';
export const MIN_API_VERSION = '1.24';
export const ENGINE_VERSION = '0.1.0';

/** What the engine knows about the machine it drives (the guest kernel in v86). */
export interface SystemFacts {
  kernelVersion: string;
  operatingSystem: string;
  /** the guest's name for itself */
  name: string;
  ncpu: number;
  memTotal: number;
}

export const DEFAULT_FACTS: SystemFacts = {
  kernelVersion: '6.1',
  operatingSystem: 'drydock guest (Linux in v86)',
  name: 'drydock',
  ncpu: 1,
  memTotal: 128 * 1024 * 1024,
};

export function versionBody(facts: SystemFacts) {
  const details = {
    ApiVersion: API_VERSION,
    Arch: '386',
    BuildTime: '2026-11-25T00:00:00.000000000+00:00',
    Experimental: 'false',
    GitCommit: 'drydock',
    GoVersion: 'TypeScript',
    KernelVersion: facts.kernelVersion,
    MinAPIVersion: MIN_API_VERSION,
    Os: 'linux',
  };
  return {
    Platform: { Name: 'drydock' },
    Components: [{ Name: 'Engine', Version: ENGINE_VERSION, Details: details }],
    Version: ENGINE_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: details.GitCommit,
    GoVersion: details.GoVersion,
    Os: 'linux',
    Arch: '386',
    KernelVersion: facts.kernelVersion,
    BuildTime: details.BuildTime,
  };
}

export function infoBody(facts: SystemFacts, counts: { images: number; containers: number; running: number; paused: number; stopped: number }) {
  return {
    ID: 'drydock',
    Containers: counts.containers,
    ContainersRunning: counts.running,
    ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped,
    Images: counts.images,
    Driver: 'overlay2',
    DriverStatus: [
      ['Backing Filesystem', '9p'],
      ['Supports d_type', 'true'],
    ],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: false,
    CPUSet: false,
    PidsLimit: true,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: '2',
    NEventsListener: 0,
    KernelVersion: facts.kernelVersion,
    OperatingSystem: facts.operatingSystem,
    OSVersion: '',
    OSType: 'linux',
    Architecture: 'i686',
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: facts.ncpu,
    MemTotal: facts.memTotal,
    DockerRootDir: '/mnt/host',
    Name: facts.name,
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: ENGINE_VERSION,
    Runtimes: { runc: { path: 'runc' } },
    DefaultRuntime: 'runc',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    SecurityOptions: ['name=seccomp,profile=builtin', 'name=cgroupns'],
    Warnings: null,
  };
}
