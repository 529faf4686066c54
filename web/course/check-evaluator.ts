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
  /** why it failed (or what passed), for the learner and for test failures */
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
    try {
      outcomes.push({ check, ...(await evaluate(check, machine)) });
    } catch (error) {
      outcomes.push({ check, ok: false, detail: `could not check: ${(error as Error).message}` });
    }
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

async function evaluate(check: Check, machine: CheckMachine): Promise<{ ok: boolean; detail: string }> {
  switch (check.kind) {
    case 'run': {
      const r = await machine.exec(['sh', '-c', check.run]);
      if (r.exitCode !== check.exit) return { ok: false, detail: `\`${check.run}\` exited ${r.exitCode}, expected ${check.exit}${tail(r.stderr || r.stdout)}` };
      if (check.stdout !== undefined && !new RegExp(check.stdout, 'm').test(r.stdout)) {
        return { ok: false, detail: `\`${check.run}\` printed ${JSON.stringify(clip(r.stdout))}, which does not match /${check.stdout}/` };
      }
      if (check.stderr !== undefined && !new RegExp(check.stderr, 'm').test(r.stderr)) {
        return { ok: false, detail: `\`${check.run}\` wrote ${JSON.stringify(clip(r.stderr))} to stderr, which does not match /${check.stderr}/` };
      }
      return { ok: true, detail: describeCheck(check) };
    }
    case 'image': {
      const r = await machine.engine('GET', `/images/${encodeURIComponent(check.image)}/json`);
      if (check.absent) return r.status === 404 ? { ok: true, detail: describeCheck(check) } : { ok: false, detail: `image ${check.image} still exists` };
      if (r.status !== 200) return { ok: false, detail: `no image ${check.image} (${message(r)})` };
      const layers = (JSON.parse(r.body) as { RootFS?: { Layers?: unknown[] } }).RootFS?.Layers?.length ?? 0;
      if (check.layers !== undefined && layers !== check.layers) return { ok: false, detail: `image ${check.image} has ${layers} layers, expected ${check.layers}` };
      return { ok: true, detail: describeCheck(check) };
    }
    case 'container': {
      const r = await machine.engine('GET', `/containers/${encodeURIComponent(check.container)}/json`);
      if (check.absent) return r.status === 404 ? { ok: true, detail: describeCheck(check) } : { ok: false, detail: `container ${check.container} still exists` };
      if (r.status !== 200) return { ok: false, detail: `no container ${check.container} (${message(r)})` };
      const state = (JSON.parse(r.body) as { State?: { Status?: string; ExitCode?: number; OOMKilled?: boolean } }).State ?? {};
      if (check.status !== undefined && state.Status !== check.status) return { ok: false, detail: `container ${check.container} is ${state.Status}, expected ${check.status}` };
      if (check.exitCode !== undefined && state.ExitCode !== check.exitCode) {
        return { ok: false, detail: `container ${check.container} exited with ${state.ExitCode}, expected ${check.exitCode}` };
      }
      if (check.oomKilled !== undefined && Boolean(state.OOMKilled) !== check.oomKilled) {
        return { ok: false, detail: `container ${check.container} was ${state.OOMKilled ? '' : 'not '}OOM-killed` };
      }
      return { ok: true, detail: describeCheck(check) };
    }
    case 'diff': {
      const r = await machine.engine('GET', `/containers/${encodeURIComponent(check.container)}/changes`);
      if (r.status !== 200) return { ok: false, detail: `no changes for ${check.container} (${message(r)})` };
      const changes = (JSON.parse(r.body) as { Path: string; Kind: number }[] | null) ?? [];
      const found = changes.find((c) => c.Path === check.path);
      if (!found) return { ok: false, detail: `docker diff ${check.container} does not list ${check.path}` };
      const kind = DIFF_KIND[found.Kind];
      if (check.diffKind !== undefined && kind !== check.diffKind) return { ok: false, detail: `${check.path} is ${kind}, expected ${check.diffKind}` };
      return { ok: true, detail: describeCheck(check) };
    }
  }
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
