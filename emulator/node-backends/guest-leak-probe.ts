// What a container could leave behind in the guest (mounts, cgroups, files on tmpfs and the 9p share, memory,
// processes, the agent's fds), read in one guest command, and the difference of two readings in words.
import type { EngineHost } from '../engine/engine-host.ts';
import { CGROUP_PARENT } from '../engine/runtime/lower.ts';

/** Anything that runs `sh -c SCRIPT` in the guest (the emulator service, the agent client). */
export interface GuestShell {
  exec(argv: string[], options: { timeoutMs?: number }): Promise<{ exitCode: number; stdout: Uint8Array; stderr: Uint8Array }>;
}

/** Where containers keep state: bundles with upper/work/merged (guest tmpfs), the runtime's files, the share. */
export const CONTAINER_STATE_DIRS = ['/var/lib/drydock', '/run/drydock', '/tmp', '/mnt/host'] as const;

export interface GuestState {
  /** /proc/mounts lines */
  mounts: string[];
  /** directories below the containers' cgroup parent */
  cgroups: string[];
  /** nr_dying_descendants of the root cgroup: removed cgroups the kernel still holds (pinned by charged pages) */
  dyingCgroups: number;
  /** `<type> <bytes> <path>` for every entry under CONTAINER_STATE_DIRS, without crossing into other mounts */
  files: string[];
  fileBytes: number;
  /** kB values after dropping the page cache */
  meminfo: Record<string, number>;
  /** allocated file handles, system-wide (first field of /proc/sys/fs/file-nr) */
  fileHandles: number;
  /** user-space processes by their command line, pids left out (the probe's own shell and children too) */
  processes: string[];
  kernelThreads: number;
  agentPid: number;
  /** targets of the agent's open fds, pipe/socket inode numbers removed so readings compare */
  agentFds: string[];
  /** network devices of the guest's namespace (/sys/class/net), each with the bridge it is plugged into */
  links: string[];
  /** iptables-save's rules and chains, counters zeroed and comments left out */
  iptables: string[];
  /** /proc/net/nf_conntrack entries, their timers left out */
  conntrack: string[];
}

const MEMINFO_KEYS = ['MemAvailable', 'MemFree', 'Slab', 'SUnreclaim', 'Shmem', 'KernelStack', 'PageTables'];

/** One guest command, sections between `## name` lines. Dropping caches first makes MemAvailable comparable. */
function probeScript(): string {
  const dirs = CONTAINER_STATE_DIRS.join(' ');
  return [
    'sync; echo 3 > /proc/sys/vm/drop_caches',
    'echo "## mounts"; cat /proc/mounts',
    `echo "## cgroups"; [ -d ${CGROUP_PARENT} ] && find ${CGROUP_PARENT} -mindepth 1 -type d`,
    'echo "## cgroup.stat"; cat /sys/fs/cgroup/cgroup.stat',
    // -xdev: a container's merged dir is its overlay mount, whose content is the image, not a leak.
    `echo "## files"; find ${dirs} -xdev -mindepth 1 -exec stat -c '%F %s %n' {} + 2>/dev/null`,
    `echo "## meminfo"; cat /proc/meminfo`,
    'echo "## file-nr"; cat /proc/sys/fs/file-nr',
    // the agent binary is also drydock-dns and docker-proxy (pidof matches their exe): the one called drydock-agent
    'a=; for p in $(pidof drydock-agent); do [ "$(cat /proc/$p/comm)" = drydock-agent ] && a=$p; done; echo "## agent"; echo $a',
    'echo "## agent-fds"; ls -l /proc/$a/fd',
    // veths and bridges (with their ports), the rules, the connections: what a container's network could leave
    'echo "## links"; for d in /sys/class/net/*; do m=; [ -e $d/master ] && m=" master=$(basename $(readlink $d/master))"; echo "${d##*/}$m"; done',
    'echo "## iptables"; iptables-save 2>/dev/null | grep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]/[0:0]/"',
    'echo "## conntrack"; [ -r /proc/net/nf_conntrack ] && awk \'{ $5 = ""; print }\' /proc/net/nf_conntrack',
    // Last, so it sees the probe's own children (pidof, ls) gone; $$ and its children are left out below.
    'echo "## self"; echo $$',
    'echo "## ps"; ps -o pid,ppid,args',
  ].join('\n');
}

function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const m = /^## (.+)$/.exec(line);
    if (m) out.set(m[1]!, (current = []));
    else if (current && line !== '') current.push(line);
  }
  return out;
}

export async function readGuestState(guest: GuestShell, options: { timeoutMs?: number } = {}): Promise<GuestState> {
  const r = await guest.exec(['sh', '-c', probeScript()], { timeoutMs: options.timeoutMs ?? 120_000 });
  const text = new TextDecoder().decode(r.stdout);
  const s = sections(text);
  const get = (name: string): string[] => {
    const lines = s.get(name);
    if (!lines) throw new Error(`guest state probe: no "${name}" section (exit ${r.exitCode}): ${new TextDecoder().decode(r.stderr)}`);
    return lines;
  };
  const meminfo: Record<string, number> = {};
  for (const line of get('meminfo')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m && MEMINFO_KEYS.includes(m[1]!)) meminfo[m[1]!] = Number(m[2]);
  }
  const files = get('files').sort();
  const self = get('self')[0] ?? '';
  const rows = get('ps').slice(1).map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)).filter((m) => m !== null);
  const user = rows.filter(([, pid, ppid, args]) => pid !== self && ppid !== self && !/^\[.*\]$/.test(args!));
  const stat = get('cgroup.stat').join('\n');
  return {
    mounts: get('mounts'),
    cgroups: s.get('cgroups') ?? [],
    dyingCgroups: Number(/nr_dying_descendants (\d+)/.exec(stat)?.[1] ?? 0),
    files,
    fileBytes: files.reduce((n, f) => n + (/^regular (?:empty )?file (\d+) /.test(f) ? Number(/ (\d+) /.exec(f)![1]) : 0), 0),
    meminfo,
    fileHandles: Number(get('file-nr')[0]?.split(/\s+/)[0] ?? Number.NaN),
    processes: user.map(([, , , args]) => args!).sort(),
    kernelThreads: rows.length - user.length - rows.filter(([, pid, ppid]) => pid === self || ppid === self).length,
    agentPid: Number(get('agent')[0]),
    links: (s.get('links') ?? []).sort(),
    iptables: s.get('iptables') ?? [],
    conntrack: (s.get('conntrack') ?? []).sort(),
    agentFds: get('agent-fds').map((l) => / (\d+) -> (.*)$/.exec(l)).filter((m) => m !== null).map(([, fd, target]) => `${fd} -> ${target!.replace(/:\[\d+\]$/, '')}`),
  };
}

/** nr_dying_descendants of the root cgroup now, after dropping the page cache (what pins a removed memcg longest). */
async function dyingCgroupsNow(guest: GuestShell): Promise<number> {
  const r = await guest.exec(['sh', '-c', 'sync; echo 3 > /proc/sys/vm/drop_caches; cat /sys/fs/cgroup/cgroup.stat'], { timeoutMs: 60_000 });
  return Number(/nr_dying_descendants (\d+)/.exec(new TextDecoder().decode(r.stdout))?.[1] ?? Number.NaN);
}

/**
 * Waits, at most `timeoutMs`, until the kernel holds no more removed cgroups than `atMost`, and returns how many it
 * holds. A removed cgroup is freed asynchronously: its charged pages are dropped (the page cache, dropped here before
 * each look), then an RCU grace period and a workqueue free it, which in the emulated CPU can land after the probe's
 * reading. A cgroup still held after the bound is a leak (pinned by a tmpfs page, a socket, a mount, a process).
 */
export async function waitForDyingCgroups(guest: GuestShell, atMost: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    const n = await dyingCgroupsNow(guest);
    if (n <= atMost || Date.now() >= deadline) return n;
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Lines only in `before` (-) or only in `after` (+); repeated lines count (multisets). */
export function listDiff(before: readonly string[], after: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const l of before) count.set(l, (count.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of after) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else added.push(`+ ${l}`);
  }
  const removed = [...count].flatMap(([l, n]) => Array<string>(n).fill(`- ${l}`));
  return [...removed, ...added];
}

export interface LeakTolerance {
  /** MemAvailable may drop this much (kB) */
  memAvailableKb: number;
  /** Slab and Shmem may grow this much (kB) each */
  slabKb: number;
  shmemKb: number;
  /** allocated file handles may grow this much */
  fileHandles: number;
  /** removed cgroups the kernel may still hold */
  dyingCgroups: number;
}

/**
 * What leaked between two readings, one entry per kind, each naming the lines that differ; empty when
 * nothing did. Lists must match exactly; memory and handle counts within `tolerance`.
 */
export function guestLeaks(before: GuestState, after: GuestState, tolerance: LeakTolerance): string[] {
  const leaks: string[] = [];
  const lists: [string, readonly string[], readonly string[]][] = [
    ['mounts (/proc/mounts)', before.mounts, after.mounts],
    [`cgroups (${CGROUP_PARENT})`, before.cgroups, after.cgroups],
    [`files (${CONTAINER_STATE_DIRS.join(', ')})`, before.files, after.files],
    ['user processes', before.processes, after.processes],
    [`agent fds (pid ${after.agentPid})`, before.agentFds, after.agentFds],
    ['network devices (/sys/class/net)', before.links, after.links],
    ['iptables rules (iptables-save)', before.iptables, after.iptables],
    // entries expire on their own: only new ones are left behind
    ['conntrack entries (/proc/net/nf_conntrack), new ones', [], listDiff(before.conntrack, after.conntrack).filter((l) => l.startsWith('+ ')).map((l) => l.slice(2))],
  ];
  for (const [what, a, b] of lists) {
    const diff = listDiff(a, b);
    if (diff.length) leaks.push(`${what}:\n  ${diff.slice(0, 40).join('\n  ')}${diff.length > 40 ? `\n  ... ${diff.length - 40} more` : ''}`);
  }
  if (before.agentPid !== after.agentPid) leaks.push(`the agent was restarted: pid ${before.agentPid} -> ${after.agentPid}`);
  const grew = (what: string, a: number, b: number, limit: number, unit = '') => {
    const u = unit ? ` ${unit}` : '';
    if (b - a > limit) leaks.push(`${what} grew ${b - a}${u} (${a} -> ${b}${u}; tolerance ${limit}${u})`);
  };
  const availableBefore = before.meminfo.MemAvailable ?? 0;
  const availableAfter = after.meminfo.MemAvailable ?? 0;
  if (availableBefore - availableAfter > tolerance.memAvailableKb) {
    leaks.push(`MemAvailable fell ${availableBefore - availableAfter} kB (${availableBefore} -> ${availableAfter} kB; tolerance ${tolerance.memAvailableKb} kB)`);
  }
  grew('Slab', before.meminfo.Slab ?? 0, after.meminfo.Slab ?? 0, tolerance.slabKb, 'kB');
  grew('Shmem', before.meminfo.Shmem ?? 0, after.meminfo.Shmem ?? 0, tolerance.shmemKb, 'kB');
  grew('allocated file handles', before.fileHandles, after.fileHandles, tolerance.fileHandles);
  grew('dying cgroups', before.dyingCgroups, after.dyingCgroups, tolerance.dyingCgroups);
  return leaks;
}

/** One line of numbers for the test log: how the two readings compare. */
export function describeChange(before: GuestState, after: GuestState): string {
  const d = (k: string) => `${k} ${(after.meminfo[k] ?? 0) - (before.meminfo[k] ?? 0)} kB`;
  return [
    ...['MemAvailable', 'MemFree', 'Slab', 'SUnreclaim', 'Shmem', 'KernelStack', 'PageTables'].map(d),
    `file handles ${after.fileHandles - before.fileHandles}`,
    `dying cgroups ${before.dyingCgroups} -> ${after.dyingCgroups}`,
    `files ${before.files.length} -> ${after.files.length} (${before.fileBytes} -> ${after.fileBytes} bytes)`,
    `kernel threads ${before.kernelThreads} -> ${after.kernelThreads}`,
    `agent fds ${before.agentFds.length} -> ${after.agentFds.length}`,
  ].join(', ');
}

/**
 * What the engine still holds for containers that are gone: records, log entries (in memory and in the saved
 * document), containers the runtime still knows among `removedIds`, and exec instances among `execIds` that
 * still answer (dockerd answers 404 for an exec of a removed container and drops exited ones). Empty when nothing.
 */
export async function engineLeaks(host: EngineHost, removedIds: Iterable<string>, execIds: Iterable<string> = []): Promise<string[]> {
  const leaks: string[] = [];
  const records = host.containers.list();
  if (records.length) leaks.push(`container records: ${records.map((r) => `${r.id.slice(0, 12)} ${r.name} ${r.state.status}`).join(', ')}`);
  const logged = Object.keys(host.logs.toJSON());
  if (logged.length) leaks.push(`log store entries for: ${logged.map((id) => id.slice(0, 12)).join(', ')}`);
  const docs = await host.readDocuments();
  const savedLogs = Object.keys(JSON.parse(docs['drydock-logs.json'] ?? '{}') as Record<string, unknown>);
  if (savedLogs.length) leaks.push(`saved logs document entries for: ${savedLogs.map((id) => id.slice(0, 12)).join(', ')}`);
  const saved = (JSON.parse(docs['drydock-containers.json'] ?? '{"containers":[]}') as { containers: { id: string }[] }).containers;
  if (saved.length) leaks.push(`saved containers document entries: ${saved.map((r) => r.id.slice(0, 12)).join(', ')}`);
  const runtime = host.processes.runtime();
  const known = [...removedIds].filter((id) => {
    try {
      runtime.trace(id);
      return true;
    } catch {
      return false;
    }
  });
  if (known.length) leaks.push(`runtime entries for removed containers: ${known.map((id) => id.slice(0, 12)).join(', ')}`);
  const execs = [...execIds].filter((id) => {
    try {
      host.processes.execJson(id);
      return true;
    } catch {
      return false;
    }
  });
  if (execs.length) leaks.push(`exec instances of removed containers still answer /exec/{id}/json: ${execs.length} (${execs.slice(0, 3).map((id) => id.slice(0, 12)).join(', ')}...)`);
  return leaks;
}
