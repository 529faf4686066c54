// `docker top` (moby's daemon/top_unix.go): `ps -ef`-like rows of the processes in the container's cgroup.
import { EngineError } from '../errors.ts';
import { decoder, running, type DaemonState } from './daemon-state.ts';

export async function top(d: DaemonState, ref: string): Promise<{ Titles: string[]; Processes: string[][] }> {
  const record = d.deps.containers.get(ref);
  if (!running(record)) throw new EngineError('CONFLICT', `container ${record.id} is not running`);
  const cg = d.runtime().trace(record.id).cgroup;
  const script =
    // The runtime's wrapper shell (it forked PID 1 after unshare) is in the cgroup but not in the container's
    // PID namespace: its NSpid has one entry. Docker's top shows only the container's processes.
    `for p in $(cat ${cg}/cgroup.procs); do [ -r /proc/$p/stat ] || continue; ` +
    `set -- $(grep '^NSpid:' /proc/$p/status); [ $# -gt 2 ] || continue; ` +
    `u=$(awk '/^Uid:/{print $2}' /proc/$p/status); pp=$(awk '/^PPid:/{print $2}' /proc/$p/status); ` +
    `c=$(tr '\\0' ' ' < /proc/$p/cmdline); echo "$u|$p|$pp|$c"; done`;
  const out = await d.guest.exec(['sh', '-c', script], { timeoutMs: 60_000 });
  const rows = decoder.decode(out.stdout).trim().split('\n').filter(Boolean).map((l) => {
    const [uid = '', pid = '', ppid = '', cmd = ''] = l.split('|');
    return [uid === '0' ? 'root' : uid, pid, ppid, '0', '-', '?', '00:00:00', cmd.trim()];
  });
  // in pid order, as dockerd's `ps -ef` prints them (cgroup.procs lists them in the order they joined)
  rows.sort((a, b) => Number(a[1]) - Number(b[1]));
  return { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: rows };
}
