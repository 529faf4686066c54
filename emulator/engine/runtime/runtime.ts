// The container runtime: runs the lowered steps (lower.ts) in the guest through GuestExec, and answers for
// the containers it made: start (detached or on the learner's terminal), kill, state with OOMKilled, exec,
// pause/unpause, delete. It decides nothing about Docker semantics; that is containers/'s job.
import { EngineError } from '../errors.ts';
import { specJson, type RuntimeSpec, type SpecUser } from '../containers/runtime-spec.ts';
import type { ContainerNetwork } from '../network/endpoint.ts';
import type { GuestExec, GuestExecResult, GuestExitStatus, GuestProcess } from './guest-exec.ts';
import { DRYDOCK_INIT, execOp, lowerSpec, pidFile, rlimitPrefix, stepsFile, type ContainerLayout, type MachineBudget, type RuntimeTrace, type VolumePopulate } from './lower.ts';
import { quoteArgv, quoteWord } from './shell-quote.ts';
import { encodeStep, renderStepsFile } from './steps-file.ts';

export type RuntimeStatus = 'created' | 'running' | 'paused' | 'exited';

export interface RuntimeState {
  id: string;
  status: RuntimeStatus;
  /** host pid of the container's PID 1 while it runs */
  pid?: number;
  exitCode?: number;
  signal?: number;
  /** memory.events oom_kill was counted while the container ran */
  oomKilled: boolean;
}

export interface StartOptions {
  onStdout?: (bytes: Uint8Array) => void;
  onStderr?: (bytes: Uint8Array) => void;
}

export interface ExecOptions {
  /** defaults to the container's process.env */
  env?: string[];
  cwd?: string;
  /** replaces the container's user and groups (additionalGids: none when left out) */
  user?: SpecUser;
  /** the exec's Tty: its process gets a pty (spawn it with `tty: true`); the container's own process.terminal does not count */
  tty?: boolean;
  timeoutMs?: number;
}

interface Entry {
  spec: RuntimeSpec;
  layout: ContainerLayout;
  /** how the network namespace is to be made (the network model's decision; lowering it is the guest network's part) */
  network?: ContainerNetwork;
  trace: RuntimeTrace;
  status: RuntimeStatus;
  proc?: GuestProcess;
  pid?: number;
  exit?: GuestExitStatus & { oomKilled: boolean };
  exited: Promise<GuestExitStatus & { oomKilled: boolean }>;
  /** config.json, trace.sh and init.sh going into the bundle (written once the process is on its way) */
  written?: Promise<unknown>;
  resolveExited: (s: GuestExitStatus & { oomKilled: boolean }) => void;
}

/**
 * A running (or paused) container as the runtime knows it, saved with a checkpoint: enough to take it over again
 * in the restored guest (adopt): its spec, layout and network plan (the trace is lowered from them again, the same
 * steps), its process's stream on the agent and PID 1.
 */
export interface SavedRuntimeEntry {
  spec: RuntimeSpec;
  layout: ContainerLayout;
  network?: ContainerNetwork;
  status: 'running' | 'paused';
  /** the agent's stream of the process that runs it (GuestProcess.stream) */
  stream: number;
  pid?: number;
}

const decoder = new TextDecoder();

function failed(what: string, r: GuestExecResult): EngineError {
  const err = decoder.decode(r.stderr).trim();
  return new EngineError('EXEC_FAILED', `${what} failed (exit ${r.exitCode})${err ? `: ${err}` : ''}`, {
    details: { stdout: decoder.decode(r.stdout), stderr: err },
  });
}

/**
 * The containers' share of the guest, from its task limit and memory (read once per guest with READ_FILE, no
 * process). Headroom: an eighth of the tasks (at least 256) and a quarter of the memory (at least 48 MiB) stay with
 * the kernel, init, the agent and the learner's shell; each container's writable tmpfs may take half of the rest.
 */
export function machineBudget(threadsMax: number, memTotalKiB: number): MachineBudget {
  const memory = memTotalKiB * 1024;
  const reserve = Math.max(48 << 20, Math.floor(memory / 4));
  const containers = Math.max(16 << 20, memory - reserve);
  const pages = (bytes: number) => Math.floor(bytes / 4096) * 4096;
  return {
    pids: Math.max(64, threadsMax - Math.max(256, Math.floor(threadsMax / 8))),
    memory: pages(containers),
    reserve: pages(memory - containers),
    storage: pages(containers / 2),
  };
}

/** The least spec lowerSpec takes: only its create steps' storage mount is used (storageScript). */
const STORAGE_PROBE_SPEC: RuntimeSpec = {
  ociVersion: '1.0.2',
  process: { user: { uid: 0, gid: 0 }, args: ['true'], cwd: '/' },
  root: { path: 'rootfs' },
  mounts: [],
  linux: { namespaces: [{ type: 'mount' }], resources: { devices: [{ allow: true, access: 'rwm' }] } },
};

const budgets = new WeakMap<GuestExec, Promise<MachineBudget | undefined>>();

function budgetOf(guest: GuestExec): Promise<MachineBudget | undefined> {
  let b = budgets.get(guest);
  if (!b) {
    const read = guest.readFile?.bind(guest);
    b = read
      ? Promise.all([read('/proc/sys/kernel/threads-max'), read('/proc/meminfo')]).then(
          ([threads, meminfo]) => {
            const total = /^MemTotal:\s+(\d+) kB$/m.exec(decoder.decode(meminfo));
            const n = Number(decoder.decode(threads).trim());
            return total && n > 0 ? machineBudget(n, Number(total[1])) : undefined;
          },
          () => undefined,
        )
      : Promise.resolve(undefined);
    budgets.set(guest, b);
  }
  return b;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15, SIGCONT: 18, SIGSTOP: 19 };

export class ContainerRuntime {
  private readonly containers = new Map<string, Entry>();

  constructor(private readonly guest: GuestExec) {}

  private entry(id: string): Entry {
    const e = this.containers.get(id);
    if (!e) throw new EngineError('NOT_FOUND', `no such container in the runtime: ${id}`);
    return e;
  }

  private readonly programsWritten = new Set<string>();

  private async writePrograms(trace: RuntimeTrace, again: boolean): Promise<void> {
    await Promise.all(
      trace.programs
        .filter((p) => again || !this.programsWritten.has(p.path))
        .map(async (p) => {
          await this.guest.writeFile(p.path, p.bytes, { mode: 0o644 });
          this.programsWritten.add(p.path);
        }),
    );
  }

  /**
   * Shell that mounts a container's storage tmpfs on its bundle when it is not mounted yet, as create does (for
   * `docker cp` into a container that has never started: what it writes in the upper dir must be in that tmpfs,
   * not under it). Empty when the layout keeps its storage elsewhere or the guest's limits are unknown.
   */
  async storageScript(layout: ContainerLayout): Promise<string> {
    const budget = await budgetOf(this.guest);
    const step = budget && lowerSpec(STORAGE_PROBE_SPEC, layout, { budget }).create.find((s) => s.op[0] === 'mount' && s.op[3] === 'tmpfs');
    if (!step) return '';
    const q = quoteWord(layout.bundle);
    return `if ! grep -q ${quoteWord(` ${layout.bundle} `)} /proc/mounts; then mkdir -p ${q} && ${quoteArgv(step.argv)} || exit 20; fi\n`;
  }

  /** A cgroup file written by the agent (WRITE_FILE writes kernel files in place): no guest process. */
  private async writeKnob(path: string, value: string): Promise<void> {
    await this.guest.writeFile(path, `${value}\n`, { mode: 0o644 });
  }

  /** Runs one section of the trace's steps with drydock-init, in one guest process (that section alone goes in on stdin). */
  private runSteps(trace: RuntimeTrace, section: 'delete' | 'reset', timeoutMs: number): Promise<GuestExecResult> {
    const text = renderStepsFile(trace.id, { [section]: trace[section] }, trace.vars);
    return this.guest.exec([DRYDOCK_INIT, section, '-'], { timeoutMs, stdin: text });
  }

  /**
   * Lower the spec, run the create steps (bundle, cgroup, overlay), write config.json, trace.sh, init.sh and steps
   * into the bundle. `options.network` is the network model's plan for the container's namespace (network/endpoint.ts):
   * its endpoints' veth pairs and the embedded DNS server's socket are made by the container's PID 1 as it starts,
   * and removed by delete; `container:X` joins that PID 1's namespace. `options.populate`: volumes to fill from the
   * image's content at their mount points when they are empty (Docker's first use of a volume).
   */
  async create(spec: RuntimeSpec, layout: ContainerLayout, options: { network?: ContainerNetwork; populate?: readonly VolumePopulate[] } = {}): Promise<RuntimeTrace> {
    if (this.containers.has(layout.id)) throw new EngineError('CONFLICT', `container ${layout.id} already exists in the runtime`);
    const trace = lowerSpec(spec, layout, { ...options, budget: await budgetOf(this.guest) });
    // The BPF programs go into the guest once per boot; create's first step (`need`) exits 3 when one is missing
    // (a restored checkpoint), before anything else has run: then they are written and create runs again.
    await this.writePrograms(trace, false);
    // The whole steps file on stdin: drydock-init runs its create section, then saves it as the bundle's `steps`.
    const runCreate = () => this.guest.exec([DRYDOCK_INIT, 'create', '-', stepsFile(layout)], { timeoutMs: 30_000, stdin: trace.files.steps });
    let r = await runCreate();
    if (r.exitCode === 3 && /need /.test(decoder.decode(r.stderr))) {
      await this.writePrograms(trace, true);
      r = await runCreate();
    }
    if (r.exitCode !== 0) {
      await this.runSteps(trace, 'delete', 30_000).catch(() => undefined);
      throw failed(`creating container ${layout.id}`, r);
    }
    let resolveExited!: Entry['resolveExited'];
    const exited = new Promise<Entry['exit'] & object>((r) => (resolveExited = r));
    this.containers.set(layout.id, { spec, layout, trace, status: 'created', exited, resolveExited, ...(options.network ? { network: options.network } : {}) });
    return trace;
  }

  /**
   * The learner's files (config.json, trace.sh, init.sh: ~20 KB) go over the agent's serial line after the
   * process's own frames, so they do not delay its start; delete() waits for them.
   */
  private writeLearnerFiles(e: Entry): void {
    const { bundle } = e.layout;
    const files: [string, string][] = [
      [`${bundle}/config.json`, specJson(e.spec)],
      [`${bundle}/trace.sh`, e.trace.files.trace],
      [`${bundle}/init.sh`, e.trace.files.init],
    ];
    e.written = new Promise((resolve) => setTimeout(resolve, 0)).then(() =>
      Promise.all(files.map(([path, text]) => this.guest.writeFile(path, text, { mode: 0o644 }))).catch(() => undefined),
    );
  }

  trace(id: string): RuntimeTrace {
    return this.entry(id).trace;
  }

  /** A running or paused container as a checkpoint saves it, given the stream of its process; undefined for any other. */
  saved(id: string, stream: number): SavedRuntimeEntry | undefined {
    const e = this.containers.get(id);
    if (!e || (e.status !== 'running' && e.status !== 'paused') || e.exit) return undefined;
    return { spec: e.spec, layout: e.layout, ...(e.network ? { network: e.network } : {}), status: e.status, stream, ...(e.pid ? { pid: e.pid } : {}) };
  }

  /**
   * Takes over a container of a checkpoint in the guest restored with it (`saved()` then): its trace lowered again
   * from the same spec, layout and network plan, its process adopted on the agent. `proc` is null when the agent no
   * longer holds the process's stream (its exit cannot be seen then); `alive` says whether PID 1 is still in the
   * container's cgroup. The container is the runtime's either way, so delete() clears what is left of it.
   */
  async adopt(saved: SavedRuntimeEntry, options: StartOptions & { stdin?: boolean; tty?: boolean } = {}): Promise<{ proc: GuestProcess | null; alive: boolean }> {
    const id = saved.layout.id;
    if (this.containers.has(id)) throw new EngineError('CONFLICT', `container ${id} already exists in the runtime`);
    const trace = lowerSpec(saved.spec, saved.layout, { ...(saved.network ? { network: saved.network } : {}), budget: await budgetOf(this.guest) });
    // the same facts as at the checkpoint, asked of the guest rather than assumed: PID 1 in the container's cgroup
    const read = this.guest.readFile?.bind(this.guest);
    const procs = read ? await read(`${trace.cgroup}/cgroup.procs`).then((b) => decoder.decode(b).split('\n'), () => null) : null;
    const alive = procs !== null && (saved.pid === undefined ? procs.some(Boolean) : procs.includes(String(saved.pid)));
    const proc =
      this.guest.adopt?.(saved.stream, saved.pid ?? 0, {
        ...(options.onStdout ? { onStdout: options.onStdout } : {}),
        ...(options.onStderr ? { onStderr: options.onStderr } : {}),
        ...(options.stdin ? { stdin: true } : {}),
        ...(options.tty ? { tty: true } : {}),
      }) ?? null;
    // its device and seccomp programs are in the guest: the container's own steps opened them
    for (const p of trace.programs) this.programsWritten.add(p.path);
    let resolveExited!: Entry['resolveExited'];
    const exited = new Promise<Entry['exit'] & object>((r) => (resolveExited = r));
    const e: Entry = { spec: saved.spec, layout: saved.layout, trace, status: saved.status, exited, resolveExited, ...(saved.network ? { network: saved.network } : {}), ...(alive && saved.pid ? { pid: saved.pid } : {}) };
    if (proc) e.proc = proc;
    this.containers.set(id, e);
    return { proc, alive };
  }

  /**
   * Start detached: the process's stdout/stderr become the container's log. Resolves with PID 1's host pid
   * once init.sh has exec'd process.args, or null when the process has already ended (see wait()).
   */
  async start(id: string, options: StartOptions = {}): Promise<number | null> {
    const e = this.entry(id);
    if (e.status !== 'created') throw new EngineError('CONFLICT', `container ${id} is ${e.status}, not created`);
    const spawnOptions: Parameters<GuestExec['spawn']>[1] = {};
    if (options.onStdout) spawnOptions.onStdout = options.onStdout;
    if (options.onStderr) spawnOptions.onStderr = options.onStderr;
    const proc = this.guest.spawn(e.trace.process, spawnOptions);
    e.proc = proc;
    e.status = 'running';
    this.writeLearnerFiles(e);
    void proc.exit
      .then(
        (s) => this.exited(id, s),
        () => this.exited(id, { exitCode: 255 }),
      )
      .catch(() => undefined);
    const started = await proc.started;
    if (started === null) throw new EngineError('EXEC_FAILED', `container ${id}: its process could not be started`);
    try {
      return await this.findPid(id);
    } catch (error) {
      if (e.exit || (error instanceof EngineError && error.code === 'CONFLICT')) return null;
      throw error;
    }
  }

  /** For `docker run -it`: the argv the docker shim spawns on the learner's terminal. Call exited() with its end. */
  interactive(id: string): string[] {
    const e = this.entry(id);
    if (e.status !== 'created') throw new EngineError('CONFLICT', `container ${id} is ${e.status}, not created`);
    e.status = 'running';
    this.writeLearnerFiles(e);
    return e.trace.process;
  }

  /** Record how the process ended (the shim's ProcessEnd for -it; start() does it itself). */
  async exited(id: string, status: GuestExitStatus): Promise<void> {
    const e = this.containers.get(id);
    if (!e || e.exit) return;
    // READ_FILE when the agent has it: no process started for one small file
    const path = `${e.trace.cgroup}/memory.events`;
    const events = this.guest.readFile
      ? await this.guest.readFile(path).catch(() => null)
      : await this.guest.exec(['cat', path]).then((r) => r.stdout, () => null);
    const m = events ? /^oom_kill (\d+)$/m.exec(decoder.decode(events)) : null;
    e.exit = { ...status, oomKilled: !!m && Number(m[1]) > 0 };
    e.status = 'exited';
    delete e.pid;
    e.resolveExited(e.exit);
  }

  wait(id: string): Promise<GuestExitStatus & { oomKilled: boolean }> {
    return this.entry(id).exited;
  }

  /**
   * The host pid of the container's PID 1 once it runs process.args: drydock-init writes it into the bundle then,
   * read with READ_FILE (no guest process); without READ_FILE, a guest shell looks for it in the cgroup.
   */
  async findPid(id: string): Promise<number> {
    const e = this.entry(id);
    if (e.pid) return e.pid;
    if (this.guest.readFile) {
      const path = pidFile(e.layout);
      const deadline = Date.now() + 150_000;
      for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 2, 160)) {
        const text = await this.guest.readFile(path).then((b) => decoder.decode(b), () => '');
        const pid = Number(text.trim());
        if (pid > 0) {
          if (!e.exit) e.pid = pid;
          return pid;
        }
        if (e.exit || e.status === 'exited') throw new EngineError('CONFLICT', `container ${id} is not running (its process has exited)`);
        await new Promise((r) => setTimeout(r, pause));
      }
      throw new EngineError('EXEC_FAILED', `container ${id}: no PID 1 after 150 s (${path})`);
    }
    return this.findPidInCgroup(id);
  }

  /** The cgroup's process whose innermost pid is 1 and whose root is no longer the guest's /. Exit 2: the cgroup emptied first. */
  private async findPidInCgroup(id: string): Promise<number> {
    const e = this.entry(id);
    const cg = e.trace.cgroup;
    const script =
      // niceness 19: in the root cgroup this shell would otherwise outweigh the containers' cpu.weight 10 and
      // starve the init it waits for; the pause between looks grows from 20 ms to 320 ms for the same reason.
      `renice -n 19 -p $$ >/dev/null 2>&1; host=$(stat -c %d:%i /); n=0; d=0.02; while [ $n -lt 400 ]; do n=$((n+1)); any=; for p in $(cat ${cg}/cgroup.procs); do any=1; ` +
      `while read k a b c; do [ "$k" = NSpid: ] && [ "$b" = 1 ] && [ -z "$c" ] && [ "$(stat -c %d:%i /proc/$p/root/ 2>/dev/null)" != "$host" ] && { echo $p; exit 0; }; done < /proc/$p/status 2>/dev/null; ` +
      `done; [ -n "$any" ] || exit 2; sleep $d; case $n in 3) d=0.04;; 6) d=0.08;; 10) d=0.16;; 15) d=0.32;; esac; done; exit 1`;
    const r = await this.guest.exec(['sh', '-c', script], { timeoutMs: 150_000 });
    if (r.exitCode !== 0) {
      if (r.exitCode === 2 || e.exit) throw new EngineError('CONFLICT', `container ${id} is not running (its process has exited)`);
      throw failed(`finding PID 1 of ${id}`, r);
    }
    const pid = Number(decoder.decode(r.stdout).trim());
    if (!e.exit) e.pid = pid;
    return pid;
  }

  /** PID 1's host pid when a findPid has found it already (no guest round trip); undefined otherwise. */
  knownPid(id: string): number | undefined {
    return this.containers.get(id)?.pid;
  }

  /** Signal PID 1 from the host (a PID namespace's init ignores signals it has no handler for, except KILL and STOP). */
  async kill(id: string, signal: number | string = 'SIGKILL'): Promise<void> {
    const e = this.entry(id);
    if (e.status !== 'running' && e.status !== 'paused') throw new EngineError('CONFLICT', `container ${id} is not running`);
    const n = typeof signal === 'number' ? signal : SIGNALS[signal.toUpperCase().replace(/^(?!SIG)/, 'SIG')] ?? Number(signal);
    if (!Number.isInteger(n) || n <= 0 || n > 64) throw new EngineError('INVALID_ARGUMENT', `invalid signal: ${signal}`);
    if (n === 9) {
      // SIGKILL to PID 1 ends its PID namespace, every process in it: cgroup.kill does the same without
      // waiting for PID 1 to be found (a container still in init.sh has none yet), and the agent writes it
      // itself: no guest process, so it works when a fork bomb has left none to start.
      await this.writeKnob(`${e.trace.cgroup}/cgroup.kill`, '1').catch((error: unknown) => {
        if (!e.exit) throw new EngineError('EXEC_FAILED', `killing container ${id}: ${(error as Error).message}`);
      });
      return;
    }
    const pid = await this.findPid(id);
    const r = await this.guest.exec(['kill', `-${n}`, String(pid)]);
    if (r.exitCode !== 0 && !e.exit) throw failed(`kill -${n} ${pid}`, r);
  }

  async state(id: string): Promise<RuntimeState> {
    const e = this.entry(id);
    const s: RuntimeState = { id, status: e.status, oomKilled: e.exit?.oomKilled ?? false };
    if (e.exit) {
      s.exitCode = e.exit.exitCode;
      if (e.exit.signal !== undefined) s.signal = e.exit.signal;
    } else if (e.status !== 'created') s.pid = await this.findPid(id);
    return s;
  }

  /**
   * The argv that runs a process in a running container: same cgroup, namespaces, root, capabilities, uid and
   * groups. drydock-init -c runs the steps given as arguments, one process: enter the cgroup, enter PID 1's
   * namespaces (its root opened first), fork into its PID namespace, and exec as the container's process does.
   * By hand: nsenter -t PID --all, then setpriv and unshare --root=/proc/PID/root as in init.sh.
   */
  async execArgv(id: string, args: string[], options: ExecOptions = {}): Promise<string[]> {
    const e = this.entry(id);
    if (e.status !== 'running') throw new EngineError('CONFLICT', `container ${id} is not running`);
    if (args.length === 0) throw new EngineError('INVALID_ARGUMENT', 'exec needs a command');
    const pid = await this.findPid(id);
    const p = e.spec.process;
    const override = {
      args,
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.user ? { user: options.user } : {}),
      // dockerd's exec config decides, not the container's: `docker exec -t` into a container started without one
      terminal: options.tty === true,
    };
    const steps: string[][] = [
      ['join-cgroup', `${e.trace.cgroup}/cgroup.procs`],
      ['setns', String(pid), ...e.trace.namespaces],
      ['fork'],
      execOp(p, '.', override, e.trace.seccomp),
    ];
    // dockerd's exec process has the container's rlimits too
    return [...rlimitPrefix(e.spec), DRYDOCK_INIT, '-c', ...steps.map((op) => encodeStep({ argv: [], op, why: '' }))];
  }

  async exec(id: string, args: string[], options: ExecOptions = {}): Promise<GuestExecResult> {
    const argv = await this.execArgv(id, args, options);
    return this.guest.exec(argv, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
  }

  private async freeze(id: string, on: boolean): Promise<void> {
    const e = this.entry(id);
    const want: RuntimeStatus = on ? 'running' : 'paused';
    if (e.status !== want) throw new EngineError('CONFLICT', `container ${id} is ${e.status}`);
    const cg = e.trace.cgroup;
    const v = on ? 1 : 0;
    if (this.guest.readFile) {
      // the agent writes and reads the cgroup's files itself: no guest process (a container that used up the
      // guest's tasks can still be frozen, and killed after)
      await this.writeKnob(`${cg}/cgroup.freeze`, String(v));
      const deadline = Date.now() + 30_000;
      for (let pause = 5; ; pause = Math.min(pause * 2, 160)) {
        const events = decoder.decode(await this.guest.readFile(`${cg}/cgroup.events`));
        if (new RegExp(`^frozen ${v}$`, 'm').test(events)) break;
        if (Date.now() > deadline) throw new EngineError('TIMEOUT', `${on ? 'pause' : 'unpause'} of ${id}: cgroup.events did not say frozen ${v} within 30 s`);
        await new Promise((r) => setTimeout(r, pause));
      }
    } else {
      const r = await this.guest.exec(['sh', '-c', `echo ${v} > ${cg}/cgroup.freeze && while ! grep -q 'frozen ${v}' ${cg}/cgroup.events; do sleep 0.01; done`], { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw failed(on ? 'pause' : 'unpause', r);
    }
    if (!e.exit) e.status = on ? 'paused' : 'running';
  }

  pause(id: string): Promise<void> {
    return this.freeze(id, true);
  }

  unpause(id: string): Promise<void> {
    return this.freeze(id, false);
  }

  /**
   * Kill whatever is left, unmount, remove the cgroup, upper/work dirs and bundle. Idempotent in the guest.
   * With keepUpper the upper dir (the container's writes) stays, for a later create of the same container.
   */
  async delete(id: string, options: { keepUpper?: boolean } = {}): Promise<void> {
    const e = this.entry(id);
    await e.written;
    // cgroup.kill reaches frozen tasks, but their exit waits for the thaw
    if (e.status === 'paused') await this.writeKnob(`${e.trace.cgroup}/cgroup.freeze`, '0');
    // SIGKILL before the delete's own process is started: a fork bomb may have left the guest no task to start it with
    if (e.status !== 'exited') await this.writeKnob(`${e.trace.cgroup}/cgroup.kill`, '1').catch(() => undefined);
    const r = await this.runSteps(e.trace, options.keepUpper ? 'reset' : 'delete', 60_000);
    if (r.exitCode !== 0) throw failed(`deleting container ${id}`, r);
    if (e.proc && !e.exit) await e.exited;
    this.containers.delete(id);
  }
}
