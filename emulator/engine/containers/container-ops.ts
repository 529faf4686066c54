// Container operations that span records, volumes and logs: `container prune`, `wait` conditions, and `rm`
// bookkeeping (anonymous volumes, logs). Process work (kill, start) belongs to the runtime.
import { labelsMatch } from '../api/image-filters.ts';
import { EngineError } from '../errors.ts';
import { removeContainerVolumes, type CreateDeps } from './container-create.ts';
import type { ContainerRecord, ContainerStore } from './container-store.ts';
import type { LogStore } from './log-store.ts';

/** `docker container prune`: every stopped container (created, exited, dead); returns their IDs. */
export async function pruneContainers(deps: CreateDeps & { logs?: LogStore }, options: { labels?: string[] } = {}): Promise<string[]> {
  const stopped = deps.containers.list().filter((r) => ['created', 'exited', 'dead'].includes(r.state.status));
  const selected = stopped.filter((r) => labelsMatch(options.labels ?? [], r.config.Labels));
  const removed: string[] = [];
  for (const r of selected) {
    await forgetContainer(deps, r, { volumes: true });
    removed.push(r.id);
  }
  return removed;
}

/** Removes a record that may be removed (check first with `checkRemovable`), its anonymous volumes with `volumes`, and its logs. */
export async function forgetContainer(deps: CreateDeps & { logs?: LogStore }, record: ContainerRecord, options: { volumes: boolean }): Promise<void> {
  await deps.containers.remove(record.id, { force: true });
  deps.logs?.remove(record.id);
  await removeContainerVolumes(deps, record, { anonymous: options.volumes });
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/**
 * `POST /containers/{id}/wait`: resolves with Docker's `{StatusCode}` when the condition holds. `not-running`
 * answers at once for a stopped container. The signal aborts the wait.
 */
export function waitContainer(store: ContainerStore, ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<{ StatusCode: number; Error?: { Message: string } }> {
  const record = store.get(ref);
  const id = record.id;
  const running = (r: ContainerRecord) => ['running', 'paused', 'restarting'].includes(r.state.status);
  const result = (r: ContainerRecord) => (r.state.error ? { StatusCode: r.state.exitCode, Error: { Message: r.state.error } } : { StatusCode: r.state.exitCode });
  if (condition === 'not-running' && !running(record)) return Promise.resolve(result(record));
  return new Promise((resolve, reject) => {
    const dispose = store.subscribe((r, event) => {
      if (r.id !== id) return;
      // A restart policy's exit is `restart`, not `die`: next-exit sees it, not-running waits for a real stop.
      if ((event === 'die' && condition !== 'removed') || (event === 'restart' && condition === 'next-exit') || (event === 'destroy' && (condition === 'removed' || condition === 'not-running' || condition === 'next-exit'))) {
        dispose();
        resolve(result(r));
      }
    });
    signal?.addEventListener('abort', () => {
      dispose();
      reject(new EngineError('ABORTED', 'wait aborted'));
    }, { once: true });
  });
}
