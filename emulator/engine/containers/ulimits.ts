// `--ulimit name=soft[:hard]` as go-units' ParseUlimit reads it, HostConfig.Ulimits, and the OCI spec's
// process.rlimits; the runtime applies them with the guest shell's `ulimit` (runtime/lower.ts ulimitScript).

/** Engine API HostConfig.Ulimits[] */
export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** go-units' ulimitNameMapping: Docker's names and the rlimit each one sets. */
export const ULIMIT_TYPES: Readonly<Record<string, string>> = {
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
};

/** Go's strconv.ParseInt(s, 10, 64), with its error text. */
function parseInt64(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  return n;
}

/** go-units ParseUlimit: `nofile=64`, `nofile=64:128`; -1 is unlimited. Throws its messages. */
export function parseUlimit(value: string): Ulimit {
  const eq = value.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  if (!(name in ULIMIT_TYPES)) throw new Error(`invalid ulimit type: ${name}`);
  const limits = value.slice(eq + 1).split(':');
  if (limits.length > 2) throw new Error(`too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const hard = limits.length === 2 ? parseInt64(limits[1]!) : undefined;
  const soft = parseInt64(limits[0]!);
  const h = hard ?? soft;
  if (h !== -1 && soft > h) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  return { Name: name, Soft: soft, Hard: h };
}

/** The CLI's UlimitOpt: one per name (the last given wins), sorted by name. */
export function ulimitList(values: readonly Ulimit[]): Ulimit[] {
  const byName = new Map<string, Ulimit>();
  for (const u of values) byName.set(u.Name, u);
  return [...byName.values()].sort((a, b) => a.Name.localeCompare(b.Name));
}

/**
 * Busybox ash's `ulimit` option for each rlimit and the unit it counts in (bytes shifted right by this many bits):
 * the guest's shell applies the limits before drydock-init starts, and the container's processes inherit them.
 */
const ASH_ULIMIT: Readonly<Record<string, [option: string, shift: number]>> = {
  RLIMIT_CORE: ['c', 9],
  RLIMIT_DATA: ['d', 10],
  RLIMIT_NICE: ['e', 0],
  RLIMIT_FSIZE: ['f', 9],
  RLIMIT_SIGPENDING: ['i', 0],
  RLIMIT_MEMLOCK: ['l', 10],
  RLIMIT_RSS: ['m', 10],
  RLIMIT_NOFILE: ['n', 0],
  RLIMIT_MSGQUEUE: ['q', 0],
  RLIMIT_RTPRIO: ['r', 0],
  RLIMIT_STACK: ['s', 10],
  RLIMIT_CPU: ['t', 0],
  RLIMIT_NPROC: ['u', 0],
  RLIMIT_LOCKS: ['x', 0],
};

/**
 * Why a ulimit cannot be applied in the guest (undefined when it can): rttime has no ulimit option in the guest's
 * busybox, and the byte-sized limits go in its units (KiB, or 512-byte blocks for core and fsize).
 */
export function ulimitRefusal(u: Ulimit): string | undefined {
  const type = ULIMIT_TYPES[u.Name] ?? '';
  const ash = ASH_ULIMIT[type];
  if (!ash) return `--ulimit ${u.Name}: drydock sets limits with the guest shell's ulimit, which has no option for ${type}`;
  const unit = 2 ** ash[1];
  for (const v of [u.Soft, u.Hard]) {
    if (v !== -1 && v % unit !== 0) return `--ulimit ${u.Name}=${v}: drydock sets this limit in units of ${unit} bytes (the guest shell's ulimit -${ash[0]}): give a multiple of ${unit}`;
  }
  return undefined;
}

/**
 * Shell text that sets process.rlimits in the shell that runs it: `ulimit -X HARD` sets both limits (root may
 * raise the hard one), then `ulimit -S -X SOFT` lowers the soft one. Busybox's ash, whose units the values are in.
 */
export function ulimitScript(rlimits: readonly { type: string; soft: number; hard: number }[]): string {
  const parts: string[] = [];
  for (const r of rlimits) {
    const ash = ASH_ULIMIT[r.type];
    if (!ash) throw new Error(`no ulimit option for ${r.type}`);
    const [option, shift] = ash;
    const v = (n: number) => (n < 0 ? 'unlimited' : String(Math.floor(n / 2 ** shift)));
    parts.push(`ulimit -${option} ${v(r.hard)}`);
    if (r.soft !== r.hard) parts.push(`ulimit -S -${option} ${v(r.soft)}`);
  }
  return parts.join(' && ');
}
