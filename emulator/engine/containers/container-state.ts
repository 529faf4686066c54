// A container's lifecycle state as moby's container.State keeps it, the transitions the engine may make, and
// the strings Docker derives from it: `State.Status` (`running`), `Status` (`Up 3 seconds (Paused)`), State JSON.
import { EngineError } from '../errors.ts';
import { rfc3339Nano } from '../units/time-format.ts';
import { humanDuration } from '../units/human.ts';
import { healthString, stoppedHealth, type HealthJSON, type HealthState } from './health.ts';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const CONTAINER_STATUSES: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** What the store persists; times are epoch milliseconds, 0 = never (Go's zero time). */
export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: number;
  finishedAt: number;
  /** State.Health: only for a container with a health check, once started */
  health?: HealthState;
}

export function initialState(): ContainerState {
  return { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: 0, finishedAt: 0 };
}

/** Docker's `State` object in `/containers/{id}/json`. */
export interface StateJSON {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: HealthJSON;
}

export function stateJSON(s: ContainerState): StateJSON {
  const running = s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
  return {
    Status: s.status,
    Running: running,
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: rfc3339Nano(s.startedAt),
    FinishedAt: rfc3339Nano(s.finishedAt),
    ...(s.health
      ? {
          Health: {
            Status: s.health.status,
            FailingStreak: s.health.failingStreak,
            Log: s.health.log.map((r) => ({ Start: rfc3339Nano(r.start), End: rfc3339Nano(r.end), ExitCode: r.exitCode, Output: r.output })),
          },
        }
      : {}),
  };
}

/** moby's State.String(): the `STATUS` column of `docker ps`. */
export function statusString(s: ContainerState, now: number): string {
  switch (s.status) {
    case 'running':
      return `Up ${humanDuration(now - s.startedAt)}${s.health ? ` (${healthString(s.health)})` : ''}`;
    case 'paused':
      return `Up ${humanDuration(now - s.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${humanDuration(now - s.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return s.finishedAt === 0 ? '' : `Exited (${s.exitCode}) ${humanDuration(now - s.finishedAt)} ago`;
  }
}

const withHealth = (health: HealthState | undefined) => (health ? { health } : {});

const conflict = (message: string) => new EngineError('CONFLICT', message);

/** The transitions; each refuses the impossible ones with Docker's message. */
export const transitions = {
  start(s: ContainerState, id: string, pid: number, now: number): ContainerState {
    if (s.status === 'running' || s.status === 'paused') throw conflict(`Container ${id} is already running`);
    if (s.status === 'dead' || s.status === 'removing') throw conflict(`cannot start a container that has been removed or is being removed: ${id}`);
    return { ...s, status: 'running', pid, exitCode: 0, oomKilled: false, error: '', startedAt: now };
  },
  exit(s: ContainerState, id: string, result: { exitCode: number; oomKilled?: boolean; error?: string }, now: number): ContainerState {
    if (s.status !== 'running' && s.status !== 'paused' && s.status !== 'restarting') throw conflict(`Container ${id} is not running`);
    return { ...s, status: 'exited', pid: 0, exitCode: result.exitCode, oomKilled: result.oomKilled ?? false, error: result.error ?? '', finishedAt: now, ...withHealth(stoppedHealth(s.health)) };
  },
  /** a start that failed before the process ran (`exec: "x": executable file not found`): exit 127/126 with the error */
  failStart(s: ContainerState, result: { exitCode: number; error: string }, now: number): ContainerState {
    return { ...s, status: s.startedAt === 0 ? 'created' : 'exited', pid: 0, exitCode: result.exitCode, error: result.error, finishedAt: s.startedAt === 0 ? 0 : now };
  },
  pause(s: ContainerState, id: string): ContainerState {
    if (s.status === 'paused') throw conflict(`Container ${id} is already paused`);
    if (s.status !== 'running') throw conflict(`Container ${id} is not running`);
    return { ...s, status: 'paused' };
  },
  unpause(s: ContainerState, id: string): ContainerState {
    if (s.status !== 'paused') throw conflict(`Container ${id} is not paused`);
    return { ...s, status: 'running' };
  },
  restarting(s: ContainerState, id: string, exitCode: number, now: number): ContainerState {
    if (s.status !== 'running') throw conflict(`Container ${id} is not running`);
    return { ...s, status: 'restarting', pid: 0, exitCode, finishedAt: now, ...withHealth(stoppedHealth(s.health)) };
  },
  removing(s: ContainerState): ContainerState {
    return { ...s, status: 'removing' };
  },
  dead(s: ContainerState, error: string): ContainerState {
    return { ...s, status: 'dead', pid: 0, error };
  },
  /** after a page reload the VM is fresh: what ran is gone, like after a host power loss (exit 255) */
  afterReboot(s: ContainerState, now: number): ContainerState {
    if (s.status === 'running' || s.status === 'paused' || s.status === 'restarting') {
      return { ...s, status: 'exited', pid: 0, exitCode: 255, finishedAt: now, ...withHealth(stoppedHealth(s.health)) };
    }
    if (s.status === 'removing') return { ...s, status: 'dead', pid: 0 };
    return s;
  },
};

/** `docker rm` without -f refuses these with Docker's messages. */
export function removalRefusal(s: ContainerState, id: string): string | undefined {
  if (s.status === 'paused') return `You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`;
  if (s.status === 'running' || s.status === 'restarting') return `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`;
  return undefined;
}
