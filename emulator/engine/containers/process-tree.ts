// The guest's processes as the Inspect panel shows them: each one's parent, command, namespaces (the inode numbers
// of /proc/PID/ns/*), PID in its own PID namespace (NSpid), capabilities and cgroup, read by ONE guest script per
// refresh (stat, awk and ps over all of /proc at once: a fixed cost, not a process per process), and the container
// each belongs to from the engine's records.
import { ALL_CAPABILITIES } from './capabilities.ts';

export const NAMESPACE_TYPES = ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup', 'user'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

export interface GuestProcessInfo {
  pid: number;
  ppid: number;
  /** `ps -o args`: the command line, `{comm} ...` when it differs from argv[0] */
  command: string;
  /** NSpid: the PID in each PID namespace it is in, the host's first and its own last */
  nsPids: number[];
  /** inode number of each namespace (types the kernel would not show are absent) */
  namespaces: Partial<Record<NamespaceType, number>>;
  capEff: string[];
  capBnd: string[];
  /** the cgroup v2 path (`/drydock/<id>` for a container's) */
  cgroup: string;
}

const SECTION = '--drydock-section--';

/**
 * One shell, three tools, whatever the number of processes: `stat` reads every namespace link, `awk` the status and
 * cgroup lines, `ps` the command lines. A process that ends between them shows up partly and is left out.
 */
export function processTreeScript(): string {
  const links = NAMESPACE_TYPES.map((t) => `[0-9]*/ns/${t}`).join(' ');
  return [
    'cd /proc',
    `stat -c '%n %N' ${links} 2>/dev/null`,
    `echo ${SECTION}`,
    `awk 'FILENAME ~ /cgroup$/ || /^(PPid|NSpid|CapEff|CapBnd):/ { print FILENAME " " $0 }' [0-9]*/status [0-9]*/cgroup 2>/dev/null`,
    `echo ${SECTION}`,
    'ps -o pid,args',
    'exit 0',
  ].join('\n');
}

/**
 * The script's output, user processes only (kernel threads, PID 2 and its children, have nothing to show), in PID
 * order. Lines it does not know are skipped: the kernel may add fields, and a process may end mid-read.
 */
export function parseProcessTree(text: string): GuestProcessInfo[] {
  const [links = '', status = '', ps = ''] = text.split(`${SECTION}\n`);
  const byPid = new Map<number, Partial<GuestProcessInfo> & Pick<GuestProcessInfo, 'pid' | 'namespaces'>>();
  const entry = (pid: number) => {
    let e = byPid.get(pid);
    if (!e) byPid.set(pid, (e = { pid, namespaces: {} }));
    return e;
  };
  for (const line of links.split('\n')) {
    // 1/ns/pid '1/ns/pid' -> 'pid:[4026531836]'
    const m = /^(\d+)\/ns\/(\w+) .* -> '\w+:\[(\d+)\]'$/.exec(line);
    if (m && (NAMESPACE_TYPES as readonly string[]).includes(m[2] as string)) entry(Number(m[1])).namespaces[m[2] as NamespaceType] = Number(m[3]);
  }
  for (const line of status.split('\n')) {
    const m = /^(\d+)\/(status|cgroup) (.*)$/.exec(line);
    if (!m) continue;
    const e = entry(Number(m[1]));
    const rest = m[3] as string;
    if (m[2] === 'cgroup') {
      // cgroup v2's one line: 0::/path
      if (rest.startsWith('0::')) e.cgroup = rest.slice(3);
      continue;
    }
    const [key = '', value = ''] = rest.split(/:\s*/, 2);
    if (key === 'PPid') e.ppid = Number(value);
    else if (key === 'NSpid') e.nsPids = value.trim().split(/\s+/).map(Number);
    else if (key === 'CapEff') e.capEff = decodeCapabilities(value.trim());
    else if (key === 'CapBnd') e.capBnd = decodeCapabilities(value.trim());
  }
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (m && byPid.has(Number(m[1]))) entry(Number(m[1])).command = (m[2] as string).trim();
  }
  const out: GuestProcessInfo[] = [];
  for (const e of byPid.values()) {
    if (e.ppid === undefined || e.nsPids === undefined || e.command === undefined) continue;
    if (e.pid === 2 || e.ppid === 2) continue;
    out.push({ pid: e.pid, ppid: e.ppid, command: e.command, nsPids: e.nsPids, namespaces: e.namespaces, capEff: e.capEff ?? [], capBnd: e.capBnd ?? [], cgroup: e.cgroup ?? '' });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** A capability mask as /proc/PID/status prints it (hex) -> names in number order; bits the table lacks as `cap_N`. */
export function decodeCapabilities(hex: string): string[] {
  if (!/^[0-9a-fA-F]+$/.test(hex)) return [];
  const mask = BigInt(`0x${hex}`);
  const names: string[] = [];
  for (let bit = 0; BigInt(1) << BigInt(bit) <= mask; bit++) {
    if (mask & (BigInt(1) << BigInt(bit))) names.push(ALL_CAPABILITIES[bit] ?? `cap_${bit}`);
  }
  return names;
}

/** What the engine knows of a container that can own processes. */
export interface ContainerOfProcesses {
  id: string;
  name: string;
  /** the host PID of its PID 1 (State.Pid), 0 when unknown */
  pid: number;
}

/**
 * The container a process belongs to: the one whose cgroup it is in (`/drydock/<id>`, the runtime's CGROUP_PARENT),
 * else the one whose PID 1 is the process or an ancestor of it. undefined for the host's own processes.
 */
export function containerOfProcess(process: GuestProcessInfo, all: readonly GuestProcessInfo[], containers: readonly ContainerOfProcesses[]): ContainerOfProcesses | undefined {
  const byCgroup = /^\/drydock\/([0-9a-f]{64})(\/|$)/.exec(process.cgroup)?.[1];
  if (byCgroup) {
    const c = containers.find((x) => x.id === byCgroup);
    if (c) return c;
  }
  const parents = new Map(all.map((p) => [p.pid, p.ppid]));
  const seen = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && pid > 0 && !seen.has(pid); pid = parents.get(pid)) {
    seen.add(pid);
    const c = containers.find((x) => x.pid === pid);
    if (c) return c;
  }
  return undefined;
}
