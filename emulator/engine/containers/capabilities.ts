// Linux capabilities as Docker applies them: moby's default set (oci/caps/defaults.go), the kernel's full list
// for --privileged and `--cap-add ALL`, and TweakCapabilities' add/drop rules with its error wording.

/** Every capability Linux 6.1 (the guest kernel) knows, in number order (CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default set, in moby's order (that order is what config.json shows). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const ALL = 'ALL';

/** `net_raw` / `CAP_NET_RAW` -> `CAP_NET_RAW`; `all` -> `ALL`; unknown names throw `unknown capability: "CAP_X"`. */
export function normalizeCapabilities(names: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const upper = raw.toUpperCase();
    const name = upper === ALL ? ALL : upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (name !== ALL && !ALL_CAPABILITIES.includes(name)) throw new Error(`unknown capability: "${name}"`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** moby's TweakCapabilities: privileged gets all; `--cap-add ALL` all but the dropped; `--cap-drop ALL` only the added. */
export function effectiveCapabilities(options: { capAdd: readonly string[]; capDrop: readonly string[]; privileged: boolean }): string[] {
  if (options.privileged) return [...ALL_CAPABILITIES];
  if (options.capAdd.length === 0 && options.capDrop.length === 0) return [...DEFAULT_CAPABILITIES];
  const drop = normalizeCapabilities(options.capDrop);
  const add = normalizeCapabilities(options.capAdd);
  if (add.includes(ALL)) return ALL_CAPABILITIES.filter((c) => !drop.includes(c));
  if (drop.includes(ALL)) return add;
  const kept = DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c));
  return [...kept, ...add.filter((c) => !kept.includes(c))];
}
