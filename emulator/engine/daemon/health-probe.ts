// One health probe (moby's daemon/health.go cmdProbe): the check's argv exec'd in the container as its process;
// stdout then stderr are the output. The health monitor (health-monitor.ts) schedules the probes.
import type { GuestExec } from '../runtime/guest-exec.ts';
import { decoder, exitStatusOf, type DaemonState } from './daemon-state.ts';
import type { ProbeOutcome } from './health-monitor.ts';

/**
 * At the timeout the probe (drydock-init's child: the process in the container's cgroup whose parent is the
 * drydock-init the agent started, found with READ_FILE, no guest process) is killed, then drydock-init, and the
 * probe is over only once it has ended: probes do not pile up.
 */
export async function healthProbe(d: DaemonState, id: string, argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
  const rt = d.runtime();
  const guest: GuestExec = d.guest;
  const args = await rt.execArgv(id, argv);
  const chunks: Uint8Array[][] = [[], []];
  const proc = guest.spawn(args, { onStdout: (b) => chunks[0]!.push(b), onStderr: (b) => chunks[1]!.push(b) });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const ended = await Promise.race([proc.exit, expired]);
  clearTimeout(timer);
  if (ended !== 'timeout') {
    const bytes = [...chunks[0]!, ...chunks[1]!];
    const output = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) output.set(b, (at += b.length) - b.length);
    return { exitCode: exitStatusOf(ended), output };
  }
  const parent = await proc.started;
  // a process that has gone between the listing and the read has no status: it is no probe left to kill
  const read = async (path: string) => decoder.decode((await guest.readFile?.(path).catch(() => undefined)) ?? new Uint8Array());
  const kids: string[] = [];
  for (const pid of (await read(`${rt.trace(id).cgroup}/cgroup.procs`)).split('\n').filter(Boolean)) {
    if (/^PPid:\s*(\d+)$/m.exec(await read(`/proc/${pid}/status`))?.[1] === String(parent)) kids.push(pid);
  }
  // the kill of drydock-init below ends what this one missed (its PID namespace goes with it)
  if (kids.length) await guest.exec(['kill', '-KILL', ...kids], { timeoutMs: 60_000 }).catch(() => undefined);
  proc.kill(9);
  // bounded: a probe whose end never comes (the guest went away) must not hold the monitor's loop forever
  await Promise.race([proc.exit.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  return { timedOut: true };
}
