// A guest command's wall time measured inside the guest (shell builtins reading /proc/uptime, so neither the
// agent round trip nor an extra process is counted), for the container benchmarks and the soak test.
import type { GuestShell } from './guest-leak-probe.ts';

export interface TimedInGuest {
  exitCode: number;
  /** guest wall time, 10 ms resolution (/proc/uptime has centiseconds) */
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs `sh -c SCRIPT` in the guest and times it there; SCRIPT's stdout is kept apart from the timing line. */
export async function timedInGuest(guest: GuestShell, script: string, options: { timeoutMs?: number } = {}): Promise<TimedInGuest> {
  const marker = 'DRYDOCK_TIMED';
  const wrapped = `read u _ < /proc/uptime\n{\n${script}\n}\ns=$?\nread v _ < /proc/uptime\necho "${marker} $u $v"\nexit $s`;
  const r = await guest.exec(['sh', '-c', wrapped], { timeoutMs: options.timeoutMs ?? 120_000 });
  const decoder = new TextDecoder();
  const out = decoder.decode(r.stdout);
  const at = out.lastIndexOf(`${marker} `);
  if (at < 0) throw new Error(`timed guest command printed no timing line (exit ${r.exitCode}): ${script}: ${decoder.decode(r.stderr)}`);
  const [u, v] = out.slice(at + marker.length + 1).trim().split(' ').map(Number);
  return { exitCode: r.exitCode, ms: Math.round(((v ?? 0) - (u ?? 0)) * 1000), stdout: out.slice(0, at), stderr: decoder.decode(r.stderr) };
}

/** timedInGuest for a script that must succeed: its guest time in ms, or an error with its exit status and stderr. */
export async function timedInGuestOk(guest: GuestShell, script: string, options: { timeoutMs?: number } = {}): Promise<number> {
  const r = await timedInGuest(guest, script, options);
  if (r.exitCode !== 0) throw new Error(`${script}: exit ${r.exitCode}: ${r.stderr}`);
  return r.ms;
}
