// The Inspect panel's view of the guest's processes (`GET /drydock/processes`, read by the engine in one guest
// script): a tree in PID order, each namespace instance named so that processes sharing one read the same label
// (`host` for PID 1's, else the container whose PID 1 made it), and per container what it has of its own.
import { NAMESPACE_TYPES, type NamespaceType } from '../../emulator/engine/containers/process-tree.ts';
import type { ProcessRow } from '../../emulator/engine/api/processes-api.ts';

export { NAMESPACE_TYPES, type NamespaceType };

export interface NamespaceCell {
  /** what the cell reads: `host`, a container's name, or the inode for an instance nobody's PID 1 made */
  label: string;
  inode: number | undefined;
  /** index into the view's palette: the same instance, the same colour */
  colour: number;
}

export interface ProcessViewRow {
  pid: number;
  ppid: number;
  /** nesting in the tree (0 for a root) */
  depth: number;
  command: string;
  /** the container's name, or `host` */
  owner: string;
  /** the PID in its own PID namespace (NSpid's last) */
  innerPid: number;
  namespaces: Record<NamespaceType, NamespaceCell>;
  capEff: string[];
  capBnd: string[];
}

export interface ContainerNamespaces {
  name: string;
  /** host PID of its PID 1 (the process whose innermost PID is 1) */
  pid: number | undefined;
  own: NamespaceType[];
  shared: NamespaceType[];
  /** one sentence, the summary a screen reader reads */
  summary: string;
  capEff: string[];
}

export interface ProcessesModel {
  rows: ProcessViewRow[];
  containers: ContainerNamespaces[];
}

export function processesModel(processes: readonly ProcessRow[]): ProcessesModel {
  const host = processes.find((p) => p.pid === 1);
  // each container's PID 1: inside its own PID namespace it is 1
  const initOf = new Map<string, ProcessRow>();
  for (const p of processes) {
    if (p.container && p.nsPids.length > 1 && p.nsPids[p.nsPids.length - 1] === 1 && !initOf.has(p.container.name)) initOf.set(p.container.name, p);
  }
  const labels = new Map<string, string>();
  const colours = new Map<string, number>();
  const key = (type: NamespaceType, inode: number) => `${type}:${inode}`;
  for (const type of NAMESPACE_TYPES) {
    const h = host?.namespaces[type];
    if (h !== undefined) labels.set(key(type, h), 'host');
    for (const [name, init] of initOf) {
      const n = init.namespaces[type];
      if (n !== undefined && !labels.has(key(type, n))) labels.set(key(type, n), name);
    }
  }
  const cell = (type: NamespaceType, inode: number | undefined): NamespaceCell => {
    if (inode === undefined) return { label: '?', inode, colour: 0 };
    const k = key(type, inode);
    let label = labels.get(k);
    if (label === undefined) labels.set(k, (label = String(inode)));
    let colour = colours.get(label);
    if (colour === undefined) colours.set(label, (colour = colours.size));
    return { label, inode, colour };
  };

  const children = new Map<number, ProcessRow[]>();
  const pids = new Set(processes.map((p) => p.pid));
  const roots: ProcessRow[] = [];
  for (const p of processes) {
    if (pids.has(p.ppid) && p.ppid !== p.pid) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    else roots.push(p);
  }
  const rows: ProcessViewRow[] = [];
  const visit = (p: ProcessRow, depth: number) => {
    rows.push({
      pid: p.pid,
      ppid: p.ppid,
      depth,
      command: p.command,
      owner: p.container?.name ?? 'host',
      innerPid: p.nsPids[p.nsPids.length - 1] ?? p.pid,
      namespaces: Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, cell(t, p.namespaces[t])])) as Record<NamespaceType, NamespaceCell>,
      capEff: p.capEff,
      capBnd: p.capBnd,
    });
    for (const c of children.get(p.pid) ?? []) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);

  const names = [...new Set(processes.flatMap((p) => (p.container ? [p.container.name] : [])))];
  const containers = names.map((name): ContainerNamespaces => {
    const init = initOf.get(name) ?? processes.find((p) => p.container?.name === name);
    const own = NAMESPACE_TYPES.filter((t) => init?.namespaces[t] !== undefined && init.namespaces[t] !== host?.namespaces[t]);
    // a kind the kernel did not show for either is neither: no claim without an inode to compare
    const shared = NAMESPACE_TYPES.filter((t) => init?.namespaces[t] !== undefined && init.namespaces[t] === host?.namespaces[t]);
    const parts = [own.length ? `its own ${own.join(', ')} ${own.length === 1 ? 'namespace' : 'namespaces'}` : 'no namespace of its own'];
    if (shared.length) parts.push(`shares ${shared.join(', ')} with the host`);
    return { name, pid: initOf.get(name)?.pid, own, shared, summary: `${name}: ${parts.join('; ')}`, capEff: init?.capEff ?? [] };
  });
  return { rows, containers };
}
