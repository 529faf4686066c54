// The NetworkDriver of the guest: what the network model decided, done in the guest kernel the way dockerd's bridge
// driver does it (bridges, iptables, docker-proxy, the embedded DNS server's names). Each change is one drydock-init
// process running a batch of steps (and the one iptables-restore it starts); each batch is also written as shell
// under /run/drydock/network/ for the learner. What exists is recorded in the guest itself (state.json, in the same
// memory as the kernel's tables), so a checkpoint restore brings back a record that matches the guest it restored.
import { EngineError } from '../errors.ts';
import type { GuestExec, GuestExecResult } from '../runtime/guest-exec.ts';
import { DRYDOCK_INIT, renderSteps, type Step } from '../runtime/lower.ts';
import { quoteArgv, quoteWord } from '../runtime/shell-quote.ts';
import { renderStepsFile } from '../runtime/steps-file.ts';
import type { DnsRecord, EndpointPlan, NetworkDriver, NetworkPlan, PortMapping } from './endpoint.ts';
import { baseRules, deleteArgv, DOCKER_CHAINS, networkRules, portRules, restoreInput, type Rule } from './iptables-rules.ts';
import { bridgeSteps, conntrackFlushStep, DNS_VIEW_DIR, endpointSteps, joinNetnsStep, linkDelStep, NETWORK_CGROUP } from './net-steps.ts';

/** The driver's files in the guest: state.json, and per network and per container the shell of what was done. */
export const NETWORK_DIR = '/run/drydock/network';
const STATE_FILE = `${NETWORK_DIR}/state.json`;
const IPTABLES_RESTORE = '/usr/sbin/iptables-restore';
const DOCKER_PROXY = '/usr/bin/docker-proxy';

export const networkTraceFile = (bridge: string) => `${NETWORK_DIR}/networks/${bridge}.sh`;
export const containerTraceFile = (containerId: string) => `${NETWORK_DIR}/containers/${containerId}.sh`;
export const dnsViewFile = (containerId: string) => `${DNS_VIEW_DIR}/${containerId}`;

/** What this guest has, as the driver made it. */
interface GuestNetworkState {
  /** the DOCKER chains and the jumps into them */
  base: boolean;
  /** by bridge name */
  networks: Record<string, { plan: NetworkPlan; rules: Rule[] }>;
  /** by container id: published ports (their rules and docker-proxy pid files), endpoints attached while it ran */
  containers: Record<string, { ports: PortMapping[]; rules: Rule[]; pidFiles: string[]; attached: EndpointPlan[]; trace: string }>;
  /** container ids with a DNS view file */
  dns: string[];
}

const emptyState = (): GuestNetworkState => ({ base: false, networks: {}, containers: {}, dns: [] });
const decoder = new TextDecoder();

/** An IPv4 address in a CIDR? */
function inSubnet(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits ?? 32));
  return Math.floor(n(ip) / size) === Math.floor(n(base ?? '') / size);
}

/** `cat > FILE <<'EOF'` in the trace; a write step for drydock-init. */
function writeFileStep(path: string, text: string, why: string): Step {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return { argv: [], shell: `cat > ${quoteWord(path)} <<'EOF'\n${body}\nEOF`, op: ['write', path, body], why };
}

function runStep(argv: string[], why: string): Step {
  return { argv, op: ['run', '--', ...argv], why };
}

export class GuestNetworkDriver implements NetworkDriver {
  #queue: Promise<unknown> = Promise.resolve();
  #state: Promise<GuestNetworkState> | undefined;

  readonly #guest: () => GuestExec | undefined;

  /** `guest`: the agent, or a getter for the agent of the guest running now (the engine's, which follows restarts). */
  constructor(guest: GuestExec | (() => GuestExec | undefined)) {
    this.#guest = typeof guest === 'function' ? guest : () => guest;
  }

  private get guest(): GuestExec {
    const g = this.#guest();
    if (!g) throw new EngineError('CONFLICT', 'the guest is not running: its network cannot be changed');
    return g;
  }

  forgetGuest(): void {
    this.#state = undefined;
  }

  /** One change at a time, on the guest's record of what exists (read once per guest). */
  #serial<T>(fn: (state: GuestNetworkState) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      this.#state ??= this.#loadState();
      let state: GuestNetworkState;
      try {
        state = await this.#state;
      } catch (error) {
        this.#state = undefined;
        throw error;
      }
      return fn(state);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #loadState(): Promise<GuestNetworkState> {
    const bytes = this.guest.readFile
      ? await this.guest.readFile(STATE_FILE).catch(() => null)
      : await this.guest.exec(['cat', STATE_FILE]).then((r) => (r.exitCode === 0 ? r.stdout : null));
    if (!bytes) return emptyState();
    try {
      return { ...emptyState(), ...(JSON.parse(decoder.decode(bytes)) as Partial<GuestNetworkState>) };
    } catch {
      return emptyState();
    }
  }

  /** The record as the batch's last step: written only when everything before it worked. */
  #saveStep(state: GuestNetworkState): Step {
    return { argv: [], op: ['write', STATE_FILE, JSON.stringify(state)], why: 'the driver\'s record of what exists' };
  }

  /**
   * Runs steps in one drydock-init; a failing step throws with its own words (drydock-init's line prefix cut) and
   * its index in `details.failedStep`.
   */
  async #run(what: string, steps: Step[]): Promise<void> {
    const text = renderStepsFile(what, { network: steps });
    const r = await this.guest.exec([DRYDOCK_INIT, 'network', '-'], { stdin: text, timeoutMs: 60_000 });
    if (r.exitCode !== 0) throw stepError(what, r, text.split('\n').indexOf('[network]'));
  }

  async ensureNetwork(net: NetworkPlan): Promise<void> {
    await this.#serial(async (state) => {
      if (state.networks[net.bridge]) return;
      const rules = networkRules(net);
      const steps: Step[] = [mkdirStep(), ...bridgeSteps(net)];
      const text = restoreInput([...(state.base ? [] : baseRules()), ...rules], state.base ? {} : { chains: DOCKER_CHAINS });
      const rulesFile = `${NETWORK_DIR}/networks/${net.bridge}.rules`;
      steps.push(
        writeFileStep(rulesFile, text, `the rules of network ${net.name}${state.base ? '' : ', after the DOCKER chains and the jumps into them (the first network of this guest)'}, as iptables-save prints them`),
        runStep([IPTABLES_RESTORE, '--noflush', rulesFile], 'added to what the kernel has (--noflush): one process for all of them'),
      );
      const next: GuestNetworkState = { ...state, base: true, networks: { ...state.networks, [net.bridge]: { plan: net, rules } } };
      const trace = traceText(`network ${net.name} (${net.id.slice(0, 12)}): bridge ${net.bridge}, ${net.subnet}${net.internal ? ', internal' : ''}`, steps);
      await this.#run(`network-${net.bridge}`, [...steps, writeFileStep(networkTraceFile(net.bridge), trace, 'this trace'), this.#saveStep(next)]);
      Object.assign(state, next);
    });
  }

  async removeNetwork(net: NetworkPlan): Promise<void> {
    await this.#serial(async (state) => {
      const known = state.networks[net.bridge];
      if (!known) return;
      const next: GuestNetworkState = { ...state, networks: { ...state.networks } };
      delete next.networks[net.bridge];
      const undo = `${NETWORK_DIR}/networks/${net.bridge}.undo`;
      const steps: Step[] = [
        linkDelStep(net.bridge, `network ${net.name}'s bridge (no endpoint is left on it)`),
        { argv: ['rm', '-f', networkTraceFile(net.bridge), `${NETWORK_DIR}/networks/${net.bridge}.rules`], op: ['rm', networkTraceFile(net.bridge), `${NETWORK_DIR}/networks/${net.bridge}.rules`], why: 'its trace and rules' },
        this.#saveStep(next),
        writeFileStep(undo, restoreInput(known.rules, { remove: true }), 'its rules, as -D lines'),
        runStep([IPTABLES_RESTORE, '--noflush', undo], 'removed in one process'),
        { argv: ['rm', '-f', undo], op: ['rm', undo], why: '' },
      ];
      await this.#runRemoval(`network-${net.bridge}`, steps, known.rules, []);
      Object.assign(state, next);
    });
  }

  async publish(containerId: string, ports: readonly PortMapping[]): Promise<void> {
    if (ports.length === 0) return;
    await this.#serial(async (state) => {
      if (state.containers[containerId]?.ports.length) await this.#unpublish(state, containerId);
      const rules: Rule[] = [];
      const pidFiles: string[] = [];
      const steps: Step[] = [mkdirStep()];
      ports.forEach((m, i) => {
        const net = Object.values(state.networks).find((n) => inSubnet(m.containerIp, n.plan.subnet));
        if (!net) throw new EngineError('INVALID_ARGUMENT', `no network of this guest has ${m.containerIp} (publish before ensureNetwork?)`);
        if (net.plan.internal) throw new EngineError('INVALID_ARGUMENT', `network ${net.plan.name} is internal: its containers publish no ports`);
        const pidFile = `${NETWORK_DIR}/containers/${containerId}.${i}.pid`;
        pidFiles.push(pidFile);
        const argv = [DOCKER_PROXY, '-proto', m.proto, '-host-ip', m.hostIp, '-host-port', String(m.hostPort), '-container-ip', m.containerIp, '-container-port', String(m.containerPort)];
        steps.push({
          argv,
          shell: `${quoteArgv(argv)} &`,
          op: ['spawn', `pidfile=${pidFile}`, `cgroup=${NETWORK_CGROUP}`, '--', ...argv],
          why: `${m.hostIp}:${m.hostPort}/${m.proto}: dockerd's userland proxy holds the port and relays what DNAT does not see (the guest's own connections to 127.0.0.1)`,
        });
        rules.push(...portRules(m, net.plan.bridge));
      });
      const rulesFile = `${NETWORK_DIR}/containers/${containerId}.rules`;
      steps.push(
        writeFileStep(rulesFile, restoreInput(rules), 'DNAT of each published port to the container, and FORWARD accepting it'),
        runStep([IPTABLES_RESTORE, '--noflush', rulesFile], 'added in one process'),
      );
      const previous = state.containers[containerId];
      const trace = `${previous?.trace ?? ''}${traceText(`published ports of container ${containerId.slice(0, 12)}`, steps)}`;
      const next: GuestNetworkState = {
        ...state,
        containers: { ...state.containers, [containerId]: { attached: previous?.attached ?? [], ports: [...ports], rules, pidFiles, trace } },
      };
      const restoreAt = steps.length - 1;
      try {
        await this.#run(`publish-${containerId}`, [...steps, writeFileStep(containerTraceFile(containerId), trace, 'this trace'), this.#saveStep(next)]);
      } catch (error) {
        // nothing of it stays: the proxies it started, and its rules if iptables-restore ran (a table may have been
        // committed before another failed)
        const failed = error instanceof EngineError ? Number(error.details?.failedStep ?? -1) : -1;
        await this.#rollback(failed >= restoreAt || failed < 0 ? rules : [], pidFiles).catch(() => undefined);
        throw error;
      }
      Object.assign(state, next);
    });
  }

  async unpublish(containerId: string): Promise<void> {
    await this.#serial((state) => this.#unpublish(state, containerId));
  }

  async #unpublish(state: GuestNetworkState, containerId: string): Promise<void> {
    const c = state.containers[containerId];
    if (!c || c.ports.length === 0) return;
    const next: GuestNetworkState = { ...state, containers: { ...state.containers } };
    const keep = c.attached.length > 0;
    if (keep) next.containers[containerId] = { ...c, ports: [], rules: [], pidFiles: [] };
    else delete next.containers[containerId];
    const undo = `${NETWORK_DIR}/containers/${containerId}.undo`;
    const files = [`${NETWORK_DIR}/containers/${containerId}.rules`, ...(keep ? [] : [containerTraceFile(containerId)])];
    const steps: Step[] = [
      ...c.pidFiles.map((p) => ({ argv: [], shell: `kill $(cat ${quoteWord(p)})`, op: ['stop', p, 'docker-proxy'], why: 'the proxy ends, and its port is free again (drydock-init waits for that)' })),
      conntrackFlushStep([...new Set([...c.ports.map((m) => m.containerIp), ...c.ports.map((m) => `${m.proto}/${m.hostPort}`)])]),
      { argv: ['rm', '-f', ...files], op: ['rm', ...files], why: 'its trace and rules' },
      this.#saveStep(next),
      writeFileStep(undo, restoreInput(c.rules, { remove: true }), 'the DNAT and FORWARD rules, as -D lines'),
      runStep([IPTABLES_RESTORE, '--noflush', undo], 'removed in one process'),
      { argv: ['rm', '-f', undo], op: ['rm', undo], why: '' },
    ];
    await this.#runRemoval(`unpublish-${containerId}`, steps, c.rules, []);
    Object.assign(state, next);
  }

  async attach(containerId: string, pid: number, endpoint: EndpointPlan): Promise<void> {
    await this.#serial(async (state) => {
      const steps: Step[] = [joinNetnsStep(pid), ...endpointSteps(endpoint)];
      const previous = state.containers[containerId];
      const trace = `${previous?.trace ?? ''}${traceText(`docker network connect ${endpoint.network.name} (container ${containerId.slice(0, 12)}, PID 1 ${pid})`, steps)}`;
      const next: GuestNetworkState = {
        ...state,
        containers: { ...state.containers, [containerId]: { ports: [], rules: [], pidFiles: [], ...previous, attached: [...(previous?.attached ?? []), endpoint], trace } },
      };
      // the trace and the record first: `netns` moves this process's network, not its files
      await this.#run(`attach-${containerId}`, [mkdirStep(), writeFileStep(containerTraceFile(containerId), trace, 'this trace'), this.#saveStep(next), ...steps]).catch(async (error) => {
        await this.#run(`attach-undo-${containerId}`, [linkDelStep(endpoint.hostIfName, 'the half-made veth pair'), this.#saveStep(state)]).catch(() => undefined);
        throw error;
      });
      Object.assign(state, next);
    });
  }

  async detach(containerId: string, endpoint: EndpointPlan): Promise<void> {
    await this.#serial(async (state) => {
      const c = state.containers[containerId];
      const next: GuestNetworkState = { ...state, containers: { ...state.containers } };
      if (c) {
        const attached = c.attached.filter((e) => e.hostIfName !== endpoint.hostIfName);
        if (attached.length || c.ports.length) next.containers[containerId] = { ...c, attached };
        else delete next.containers[containerId];
      }
      await this.#run(`detach-${containerId}`, [
        linkDelStep(endpoint.hostIfName, `docker network disconnect ${endpoint.network.name}: the veth pair (both ends go)`),
        conntrackFlushStep([endpoint.ipAddress]),
        this.#saveStep(next),
      ]);
      Object.assign(state, next);
    });
  }

  async setDnsView(containerId: string, records: readonly DnsRecord[]): Promise<void> {
    const lines = records
      .filter((r) => /^[^\s#]+$/.test(r.name) && /^\d{1,3}(\.\d{1,3}){3}$/.test(r.ipAddress))
      .map((r) => `${r.name} ${r.ipAddress}\n`)
      .join('');
    await this.#serial(async (state) => {
      await this.guest.writeFile(dnsViewFile(containerId), `# names the embedded DNS server answers for container ${containerId}\n${lines}`, { mode: 0o644 });
      if (!state.dns.includes(containerId)) {
        const next = { ...state, dns: [...state.dns, containerId] };
        await this.guest.writeFile(STATE_FILE, JSON.stringify(next), { mode: 0o644 });
        Object.assign(state, next);
      }
    });
  }

  async forgetContainer(containerId: string): Promise<void> {
    await this.#serial(async (state) => {
      const c = state.containers[containerId];
      const hasDns = state.dns.includes(containerId);
      if (!c && !hasDns) return;
      if (c?.ports.length) await this.#unpublish(state, containerId);
      const attached = state.containers[containerId]?.attached ?? [];
      const next: GuestNetworkState = { ...state, containers: { ...state.containers }, dns: state.dns.filter((id) => id !== containerId) };
      delete next.containers[containerId];
      const files = [dnsViewFile(containerId), containerTraceFile(containerId)];
      await this.#run(`forget-${containerId}`, [
        ...(attached.length ? [conntrackFlushStep(attached.map((e) => e.ipAddress))] : []),
        { argv: ['rm', '-f', ...files], op: ['rm', ...files], why: 'its DNS view and network trace' },
        this.#saveStep(next),
      ]);
      Object.assign(state, next);
    });
  }

  /**
   * A removal whose last step is iptables-restore of -D lines: if that fails (a learner deleted a rule by hand),
   * the rules still there are removed one at a time, and a missing one is not an error.
   */
  async #runRemoval(what: string, steps: Step[], rules: readonly Rule[], pidFiles: readonly string[]): Promise<void> {
    try {
      await this.#run(what, steps);
    } catch (error) {
      if (!(error instanceof EngineError) || !/iptables-restore/.test(error.message)) throw error;
      await this.#rollback(rules, pidFiles);
    }
  }

  /** Rules and proxies removed one by one, whatever is already gone (several processes: only after a failure). */
  async #rollback(rules: readonly Rule[], pidFiles: readonly string[]): Promise<void> {
    const lines = [
      ...pidFiles.map((p) => quoteArgv([DRYDOCK_INIT, '-c', `stop ${p} docker-proxy`])),
      ...[...rules].reverse().map((r) => `${quoteArgv(['iptables', ...deleteArgv(r)])} 2>/dev/null`),
      'true',
    ];
    await this.guest.exec(['sh', '-c', lines.join('\n')], { timeoutMs: 60_000 });
  }
}

function mkdirStep(): Step {
  return { argv: ['mkdir', '-p', `${NETWORK_DIR}/networks`, `${NETWORK_DIR}/containers`], op: ['mkdir', `${NETWORK_DIR}/networks`, `${NETWORK_DIR}/containers`], why: 'the network driver\'s traces' };
}

function traceText(title: string, steps: readonly Step[]): string {
  return `# ---- ${title}\n# what the engine's network driver ran in the guest (one drydock-init; these lines replay it)\n${renderSteps(steps.filter((s) => s.why))}\n`;
}

/** A failed batch as an EngineError in the failing step's words; docker-proxy's as dockerd reports its proxy's. */
function stepError(what: string, r: GuestExecResult, sectionLine: number): EngineError {
  const stderr = decoder.decode(r.stderr).trim();
  const m = /drydock-init: \S+ line (\d+): (.*)$/m.exec(stderr);
  // drydock-init counts lines from 1; the section's first step is the line after `[network]`
  const failedStep = m ? Number(m[1]) - sectionLine - 2 : -1;
  // what the failing program said (iptables-restore's own line) comes before drydock-init's
  const before = m ? stderr.slice(0, m.index).trim() : '';
  const message = m ? `${m[2]}${before ? `: ${before.split('\n').join('; ')}` : ''}` : stderr || `exit ${r.exitCode}`;
  const details = { stderr, failedStep };
  if (/^listen (tcp|udp)4 /.test(message)) return new EngineError('CONFLICT', `Error starting userland proxy: ${message}`, { details });
  return new EngineError('EXEC_FAILED', `network driver (${what}): ${message}`, { details });
}
