// `docker version`, `docker info` and `docker system df`, printed from the daemon's /version, /info and /system/df.
import type { ImageSummary } from '../../images/image-api.ts';
import { API_VERSION, ENGINE_VERSION } from '../../api/system-info.ts';
import { type Command, FORMAT_FLAG } from '../command.ts';
import { DaemonError } from '../engine-client.ts';
import { renderTemplate } from '../go-template.ts';
import { formatList } from '../output-format.ts';
import { tabulate } from '../tab-writer.ts';
import { bytesSize, humanSize } from '../../units/human.ts';

interface VersionBody {
  Platform?: { Name?: string };
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version: string;
  ApiVersion: string;
}

export const CLIENT_VERSION = {
  Platform: { Name: 'drydock' },
  Version: ENGINE_VERSION,
  ApiVersion: API_VERSION,
  DefaultAPIVersion: API_VERSION,
  GoVersion: 'TypeScript',
  GitCommit: 'drydock',
  BuildTime: 'Wed Nov 25 00:00:00 2026',
  Os: 'linux',
  Arch: '386',
  Context: 'default',
};

export const version: Command = {
  usage: 'docker version [OPTIONS]',
  description: 'Show the Docker version information',
  flags: [{ ...FORMAT_FLAG, short: 'f' }],
  args: { max: 0 },
  async run(ctx) {
    let server: VersionBody | undefined;
    let failure: unknown;
    try {
      server = await ctx.client.json<VersionBody>('GET', '/version');
    } catch (e) {
      failure = e;
    }
    const format = ctx.flags.format as string | undefined;
    if (format) {
      const data = { Client: CLIENT_VERSION, Server: server ?? null };
      ctx.out(`${format === 'json' ? JSON.stringify(data) : renderTemplate(format, data)}\n`);
    } else {
      const c = CLIENT_VERSION;
      const lines = [
        `Client: ${c.Platform.Name}`,
        ` Version:\t${c.Version}`,
        ` API version:\t${c.ApiVersion}`,
        ` Go version:\t${c.GoVersion}`,
        ` Git commit:\t${c.GitCommit}`,
        ` Built:\t${c.BuildTime}`,
        ` OS/Arch:\t${c.Os}/${c.Arch}`,
        ` Context:\t${c.Context}`,
      ];
      if (server) {
        lines.push('', `Server:${server.Platform?.Name ? ` ${server.Platform.Name}` : ''}`);
        for (const comp of server.Components ?? []) {
          const d = comp.Details ?? {};
          lines.push(` ${comp.Name}:`, `  Version:\t${comp.Version}`);
          if (comp.Name === 'Engine') {
            lines.push(
              `  API version:\t${d.ApiVersion} (minimum version ${d.MinAPIVersion})`,
              `  Go version:\t${d.GoVersion}`,
              `  Git commit:\t${d.GitCommit}`,
              `  Built:\t${d.BuildTime}`,
              `  OS/Arch:\t${d.Os}/${d.Arch}`,
              `  Experimental:\t${d.Experimental}`,
            );
          }
        }
      }
      ctx.out(`${tabulate(lines.join('\n'), { minWidth: 20, padding: 1 })}\n`);
    }
    if (failure) throw failure;
    return 0;
  },
};

interface InfoBody {
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  ServerVersion: string;
  Driver: string;
  DriverStatus: [string, string][];
  CgroupDriver: string;
  CgroupVersion: string;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Name: string;
  ID: string;
  DockerRootDir: string;
  Debug: boolean;
  ExperimentalBuild: boolean;
  RegistryConfig?: { InsecureRegistryCIDRs?: string[] };
  LiveRestoreEnabled: boolean;
}

export const info: Command = {
  usage: 'docker info [OPTIONS]',
  description: 'Display system-wide information',
  aliases: 'docker system info, docker info',
  flags: [{ ...FORMAT_FLAG, short: 'f' }],
  args: { max: 0 },
  async run(ctx) {
    const i = await ctx.client.json<InfoBody>('GET', '/info');
    const format = ctx.flags.format as string | undefined;
    if (format) {
      ctx.out(`${format === 'json' ? JSON.stringify(i) : renderTemplate(format, i)}\n`);
      return 0;
    }
    const lines = [
      'Client:',
      ` Version:    ${CLIENT_VERSION.Version}`,
      ` Context:    ${CLIENT_VERSION.Context}`,
      ' Debug Mode: false',
      '',
      'Server:',
      ` Containers: ${i.Containers}`,
      `  Running: ${i.ContainersRunning}`,
      `  Paused: ${i.ContainersPaused}`,
      `  Stopped: ${i.ContainersStopped}`,
      ` Images: ${i.Images}`,
      ` Server Version: ${i.ServerVersion}`,
      ` Storage Driver: ${i.Driver}`,
      ...i.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
      ' Logging Driver: json-file',
      ` Cgroup Driver: ${i.CgroupDriver}`,
      ` Cgroup Version: ${i.CgroupVersion}`,
      ` Kernel Version: ${i.KernelVersion}`,
      ` Operating System: ${i.OperatingSystem}`,
      ` OSType: ${i.OSType}`,
      ` Architecture: ${i.Architecture}`,
      ` CPUs: ${i.NCPU}`,
      ` Total Memory: ${bytesSize(i.MemTotal)}`,
      ` Name: ${i.Name}`,
      ` ID: ${i.ID}`,
      ` Docker Root Dir: ${i.DockerRootDir}`,
      ` Debug Mode: ${i.Debug}`,
      ` Experimental: ${i.ExperimentalBuild}`,
      ' Insecure Registries:',
      ...(i.RegistryConfig?.InsecureRegistryCIDRs ?? []).map((r) => `  ${r}`),
      ` Live Restore Enabled: ${i.LiveRestoreEnabled}`,
    ];
    ctx.out(`${lines.join('\n')}\n\n`);
    return 0;
  },
};

interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
  Containers: unknown[];
  Volumes: unknown[];
  BuildCache: unknown[];
}

export const systemDf: Command = {
  usage: 'docker system df [OPTIONS]',
  description: 'Show docker disk usage',
  flags: [FORMAT_FLAG, { name: 'verbose', short: 'v', type: 'bool', description: 'Show detailed information on space usage' }],
  args: { max: 0 },
  async run(ctx) {
    if (ctx.flags.verbose) throw new DaemonError('docker system df -v is not implemented in drydock yet', 501);
    const df = await ctx.client.json<DiskUsage>('GET', '/system/df');
    const active = df.Images.filter((i) => i.Containers > 0);
    const used = active.reduce((n, i) => n + i.Size - Math.max(0, i.SharedSize), 0);
    const reclaimable = df.LayersSize - used;
    const percent = (part: number, total: number) => (total > 0 ? `${humanSize(part, 4)} (${Math.floor((part / total) * 100)}%)` : humanSize(part, 4));
    const rows = [
      { Type: 'Images', TotalCount: String(df.Images.length), Active: String(active.length), Size: humanSize(df.LayersSize, 4), Reclaimable: percent(reclaimable, df.LayersSize) },
      { Type: 'Containers', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      { Type: 'Local Volumes', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
    ];
    ctx.out(
      formatList(ctx.flags.format as string | undefined, rows, {
        defaultTable: '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
        headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
      }),
    );
    return 0;
  },
};
