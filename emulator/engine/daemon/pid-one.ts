// Finds a container's PID 1 (its host pid) as soon as it exists, for State.Pid: the process the agent started is
// the runtime's wrapper shell, which forks PID 1 after unshare. Read with the agent's READ_FILE, so looking starts
// no guest process and takes no CPU from the container it waits for (a polling shell did, see runtime/README.md).
import type { GuestExec } from '../runtime/guest-exec.ts';

const decoder = new TextDecoder();

/** `NSpid:` of a /proc/<pid>/status text: the pid in each PID namespace, outermost first. */
export function nsPids(status: string): string[] {
  return /^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
}

export interface PidOneOptions {
  /** the wrapper's pid (never PID 1 itself: it stayed in the guest's PID namespace) */
  wrapper?: number;
  /** true once the container's process has ended: stop looking */
  ended: () => boolean;
  /** give up after this long (a guest under heavy load may take seconds to fork) */
  timeoutMs?: number;
  /**
   * drydock-init's pid file (written once the process has exec'd): read instead of looking for the NSpid, so the pid
   * comes once the container's mounts are made, and also for a container without a PID namespace of its own
   * (`--pid host`, `--pid container:X`), where no process is a PID 1
   */
  pidFile?: string;
}

/**
 * The host pid of the process in `cgroup` that is PID 1 of a PID namespace one level below the guest's (NSpid
 * `<host> 1`), polled from 5 ms to 100 ms apart; undefined when the process ended first, time ran out, or the
 * guest cannot read files without a process.
 */
export async function findPidOne(guest: GuestExec, cgroup: string, options: PidOneOptions): Promise<number | undefined> {
  const read = guest.readFile?.bind(guest);
  if (!read) return undefined;
  const text = async (path: string) => decoder.decode(await read(path).catch(() => new Uint8Array()));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const seen = new Set<number>();
  let pause = 5;
  while (!options.ended() && Date.now() < deadline) {
    if (options.pidFile) {
      const pid = Number((await text(options.pidFile)).trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 100);
      continue;
    }
    const pids = (await text(`${cgroup}/cgroup.procs`)).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      // PID 1 is forked once and keeps its pid through init.sh's execs: a pid found not to be it never becomes it
      if (pid === options.wrapper || seen.has(pid)) continue;
      const ns = nsPids(await text(`/proc/${pid}/status`));
      if (ns.length === 2 && ns[1] === '1') return pid;
      if (ns.length > 0) seen.add(pid);
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 100);
  }
  return undefined;
}
