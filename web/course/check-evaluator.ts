// Evaluates a step's checks against the real machine: read-only commands over the control channel and Engine API
// queries. Pure logic over a tiny interface, so the UI, the Node runner and unit tests share it.
import type { Check } from './lesson-types.ts';

export interface CheckMachine {
  /** argv in the guest over the control channel (never the learner's terminal) */
  exec(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** a Docker Engine API request answered by the engine, e.g. ('GET', '/containers/web/json') */
  engine(method: string, path: string): Promise<{ status: number; body: string }>;
}

export interface CheckOutcome {
  check: Check;
  ok: boolean;
  /** what the learner reads: the item's `message` while it fails, else a plain-language reason (or what passed) */
  reason: string;
  /** the technical why (command, exit code, output, regex), for the curious learner and for test failures */
  detail: string;
}

export interface ChecksResult {
  ok: boolean;
  outcomes: CheckOutcome[];
}

const DIFF_KIND: Record<number, 'C' | 'A' | 'D'> = { 0: 'C', 1: 'A', 2: 'D' };

/** Every check in order (all of them, so the learner sees each one's state); ok when all pass. */
export async function evaluateChecks(checks: readonly Check[], machine: CheckMachine): Promise<ChecksResult> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    let result: Verdict;
    try {
      result = await evaluate(check, machine);
    } catch (error) {
      result = { ok: false, detail: `could not check: ${(error as Error).message}`, reason: 'the machine did not answer the check; it is tried again in a moment' };
    }
    const reason = result.ok ? describeCheck(check) : (check.message ?? result.reason ?? result.detail);
    outcomes.push({ check, ok: result.ok, reason, detail: result.detail });
  }
  return { ok: outcomes.every((o) => o.ok), outcomes };
}

export function describeCheck(check: Check): string {
  switch (check.kind) {
    case 'run':
      return `\`${check.run}\`${check.exit !== 0 ? ` exits ${check.exit}` : ' succeeds'}${check.stdout !== undefined ? ` and prints /${check.stdout}/` : ''}`;
    case 'image':
      return check.absent ? `image ${check.image} is gone` : `image ${check.image} exists${check.layers !== undefined ? ` with ${check.layers} layers` : ''}`;
    case 'container': {
      if (check.absent) return `container ${check.container} is gone`;
      const details = [check.status, check.exitCode !== undefined ? `exit code ${check.exitCode}` : undefined, check.oomKilled !== undefined ? (check.oomKilled ? 'OOM-killed' : 'not OOM-killed') : undefined];
      const shown = details.filter((d) => d !== undefined);
      return `container ${check.container} exists${shown.length ? ` (${shown.join(', ')})` : ''}`;
    }
    case 'diff':
      return `docker diff ${check.container} shows ${check.diffKind ? `${check.diffKind} ` : ''}${check.path}`;
  }
}

/** One item's verdict: `detail` is technical, `reason` (failures only) is what a learner understands. */
type Verdict = { ok: true; detail: string; reason?: undefined } | { ok: false; detail: string; reason: string };

const KIND_WORD: Record<'A' | 'C' | 'D', string> = { A: 'added', C: 'changed', D: 'deleted' };

async function evaluate(check: Check, machine: CheckMachine): Promise<Verdict> {
  const passed = (): Verdict => ({ ok: true, detail: describeCheck(check) });
  switch (check.kind) {
    case 'run': {
      const r = await machine.exec(['sh', '-c', check.run]);
      const command = `\`${shorten(check.run)}\``;
      if (r.exitCode !== check.exit) {
        return {
          ok: false,
          detail: `\`${check.run}\` exited ${r.exitCode}, expected ${check.exit}${tail(r.stderr || r.stdout)}`,
          reason: check.exit === 0 ? `${command} does not succeed yet` : `${command} does not fail the way this step expects yet`,
        };
      }
      if (check.stdout !== undefined && !new RegExp(check.stdout, 'm').test(r.stdout)) {
        return {
          ok: false,
          detail: `\`${check.run}\` printed ${JSON.stringify(clip(r.stdout))}, which does not match /${check.stdout}/`,
          reason: `the output of ${command} does not show what this step makes yet`,
        };
      }
      if (check.stderr !== undefined && !new RegExp(check.stderr, 'm').test(r.stderr)) {
        return {
          ok: false,
          detail: `\`${check.run}\` wrote ${JSON.stringify(clip(r.stderr))} to stderr, which does not match /${check.stderr}/`,
          reason: `the messages of ${command} do not show what this step expects yet`,
        };
      }
      return passed();
    }
    case 'image': {
      const r = await machine.engine('GET', `/images/${encodeURIComponent(check.image)}/json`);
      if (check.absent) {
        return r.status === 404 ? passed() : { ok: false, detail: `image ${check.image} still exists`, reason: `the image ${check.image} is still there` };
      }
      if (r.status !== 200) return { ok: false, detail: `no image ${check.image} (${message(r)})`, reason: `there is no image ${check.image} yet` };
      const layers = (JSON.parse(r.body) as { RootFS?: { Layers?: unknown[] } }).RootFS?.Layers?.length ?? 0;
      if (check.layers !== undefined && layers !== check.layers) {
        return {
          ok: false,
          detail: `image ${check.image} has ${layers} layers, expected ${check.layers}`,
          reason: `the image ${check.image} is not yet the one this step builds (it has ${layers} layers, not ${check.layers})`,
        };
      }
      return passed();
    }
    case 'container': {
      const r = await machine.engine('GET', `/containers/${encodeURIComponent(check.container)}/json`);
      if (check.absent) {
        return r.status === 404
          ? passed()
          : { ok: false, detail: `container ${check.container} still exists`, reason: `the container ${check.container} is still there` };
      }
      if (r.status !== 200) return { ok: false, detail: `no container ${check.container} (${message(r)})`, reason: `there is no container ${check.container} yet` };
      const state = (JSON.parse(r.body) as { State?: { Status?: string; ExitCode?: number; OOMKilled?: boolean } }).State ?? {};
      if (check.status !== undefined && state.Status !== check.status) {
        return {
          ok: false,
          detail: `container ${check.container} is ${state.Status}, expected ${check.status}`,
          reason: `the container ${check.container} is ${state.Status ?? 'in an unknown state'}, not ${check.status} yet`,
        };
      }
      if (check.exitCode !== undefined && state.ExitCode !== check.exitCode) {
        return {
          ok: false,
          detail: `container ${check.container} exited with ${state.ExitCode}, expected ${check.exitCode}`,
          reason: `the container ${check.container} did not end the way this step expects (exit code ${state.ExitCode}, not ${check.exitCode})`,
        };
      }
      if (check.oomKilled !== undefined && Boolean(state.OOMKilled) !== check.oomKilled) {
        return {
          ok: false,
          detail: `container ${check.container} was ${state.OOMKilled ? '' : 'not '}OOM-killed`,
          reason: check.oomKilled
            ? `the container ${check.container} was not stopped for using too much memory`
            : `the container ${check.container} was stopped for using too much memory`,
        };
      }
      return passed();
    }
    case 'diff': {
      const r = await machine.engine('GET', `/containers/${encodeURIComponent(check.container)}/changes`);
      const missing = `the container ${check.container} has no ${check.diffKind ? `${KIND_WORD[check.diffKind]} ` : ''}file ${check.path} yet`;
      if (r.status !== 200) return { ok: false, detail: `no changes for ${check.container} (${message(r)})`, reason: missing };
      const changes = (JSON.parse(r.body) as { Path: string; Kind: number }[] | null) ?? [];
      const found = changes.find((c) => c.Path === check.path);
      if (!found) return { ok: false, detail: `docker diff ${check.container} does not list ${check.path}`, reason: missing };
      const kind = DIFF_KIND[found.Kind];
      if (check.diffKind !== undefined && kind !== check.diffKind) {
        return { ok: false, detail: `${check.path} is ${kind}, expected ${check.diffKind}`, reason: missing };
      }
      return passed();
    }
  }
}

/** A command as the learner reads it in a reason: its start, if it is long (the detail has all of it). */
function shorten(command: string): string {
  const flat = command.replace(/\s+/g, ' ').trim();
  return flat.length > 48 ? `${flat.slice(0, 47).trimEnd()}…` : flat;
}

function message(r: { status: number; body: string }): string {
  try {
    return (JSON.parse(r.body) as { message?: string }).message ?? `HTTP ${r.status}`;
  } catch {
    return `HTTP ${r.status}`;
  }
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function tail(text: string): string {
  const t = text.trim();
  return t ? `: ${clip(t.split('\n').slice(-3).join('\n'))}` : '';
}
