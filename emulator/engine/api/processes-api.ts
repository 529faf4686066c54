// drydock extension, read-only: `GET /drydock/processes`, the guest's process tree with each process's namespaces,
// PIDs, capabilities and container (the Inspect panel's "Processes and namespaces" view). Docker's API has only
// `top`, one container's `ps`; the view is about what containers share with the host and with each other.
import { apiPath } from './route-request.ts';
import type { ContainerStore } from '../containers/container-store.ts';
import { containerOfProcess, type GuestProcessInfo, parseProcessTree, processTreeScript } from '../containers/process-tree.ts';
import { EngineError } from '../errors.ts';
import { jsonResponse } from './http-errors.ts';

/** What the route asks of the guest (structural: the agent client's exec). */
export interface ProcessesGuest {
  exec(argv: string[], options: { timeoutMs?: number }): Promise<{ exitCode: number; stdout: Uint8Array }>;
}

export interface ProcessesApiDeps {
  containers: ContainerStore;
  guest: () => ProcessesGuest | undefined;
}

export interface ProcessRow extends GuestProcessInfo {
  /** the container it belongs to, null for the host's own */
  container: { id: string; name: string } | null;
}

export function createProcessesApi(deps: ProcessesApiDeps): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const path = apiPath(new URL(request.url));
    if (path !== '/drydock/processes' || request.method.toUpperCase() !== 'GET') return undefined;
    const guest = deps.guest();
    if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so its processes cannot be read now');
    const r = await guest.exec(['sh', '-c', processTreeScript()], { timeoutMs: 30_000 });
    const processes = parseProcessTree(new TextDecoder().decode(r.stdout));
    const containers = deps.containers
      .list()
      .filter((c) => ['running', 'paused', 'restarting'].includes(c.state.status))
      .map((c) => ({ id: c.id, name: c.name, pid: c.state.pid }));
    const rows: ProcessRow[] = processes.map((p) => {
      const c = containerOfProcess(p, processes, containers);
      return { ...p, container: c ? { id: c.id, name: c.name } : null };
    });
    return jsonResponse({ processes: rows });
  };
}
