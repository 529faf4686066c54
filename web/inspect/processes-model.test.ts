import { describe, expect, it } from 'vitest';
import type { ProcessRow } from '../../emulator/engine/api/processes-api.ts';
import { processesModel } from './processes-model.ts';

const HOST = { pid: 10, mnt: 11, net: 12, uts: 13, ipc: 14, cgroup: 15, user: 16 };
const BOX = { pid: 20, mnt: 21, net: 22, uts: 23, ipc: 24, cgroup: 25, user: 16 };
const box = { id: 'b'.repeat(64), name: 'box' };
const row = (pid: number, ppid: number, command: string, nsPids: number[], namespaces: ProcessRow['namespaces'], container: ProcessRow['container'] = null): ProcessRow => ({
  pid, ppid, command, nsPids, namespaces, container, capEff: [], capBnd: [], cgroup: container ? `/drydock/${container.id}` : '/',
});

const PROCESSES: ProcessRow[] = [
  row(1, 0, '/bin/sh /init', [1], HOST),
  row(40, 1, 'agent', [40], HOST),
  row(61, 40, 'sh -c exec drydock-init', [61], HOST, box),
  row(63, 61, 'sleep 1000', [63, 1], BOX, box),
  row(70, 63, 'sh', [70, 5], BOX, box),
];

describe('processesModel', () => {
  const model = processesModel(PROCESSES);

  it('lists the processes as a tree, each with its PID inside its own PID namespace and its owner', () => {
    expect(model.rows.map((r) => [r.pid, r.depth, r.innerPid, r.owner])).toEqual([
      [1, 0, 1, 'host'],
      [40, 1, 40, 'host'],
      [61, 2, 61, 'box'],
      [63, 3, 1, 'box'],
      [70, 4, 5, 'box'],
    ]);
  });

  it('names each namespace instance: the host\'s, or the container whose PID 1 is in it; same instance, same colour', () => {
    const sleep = model.rows.find((r) => r.pid === 63)!;
    const init = model.rows.find((r) => r.pid === 1)!;
    expect(sleep.namespaces.net.label).toBe('box');
    expect(sleep.namespaces.user.label).toBe('host');
    expect(sleep.namespaces.user.colour).toBe(init.namespaces.user.colour);
    expect(sleep.namespaces.net.colour).not.toBe(init.namespaces.net.colour);
    expect(model.rows.find((r) => r.pid === 61)!.namespaces.pid.label).toBe('host');
  });

  it('says what each container has of its own and what it shares with the host', () => {
    expect(model.containers).toEqual([
      expect.objectContaining({ name: 'box', pid: 63, own: ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup'], shared: ['user'] }),
    ]);
    expect(model.containers[0]?.summary).toBe('box: its own pid, mnt, net, uts, ipc, cgroup namespaces; shares user with the host');
  });

  it('labels an instance no PID 1 made by its inode', () => {
    const other = processesModel([...PROCESSES, row(80, 1, 'unshare --uts sh', [80], { ...HOST, uts: 99 })]);
    expect(other.rows.find((r) => r.pid === 80)?.namespaces.uts.label).toBe('99');
  });
});
