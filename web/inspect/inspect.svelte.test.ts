import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineResponse } from '../../emulator/protocol.ts';
import { cgroupSample } from '../../emulator/engine/api/cgroups-api.ts';
import { InspectState, POLL_GAP_MS } from './inspect.svelte.ts';

const LAYER = `sha256:${'a'.repeat(64)}`;

/** An engine with one image and one running container, counting what it is asked. */
function fakeMachine() {
  const asked: string[] = [];
  const answers: Record<string, unknown> = {
    '/images/json': [{ Id: 'sha256:1', RepoTags: ['busybox:latest'] }],
    '/images/sha256%3A1/json': { RootFS: { Layers: [LAYER] } },
    '/images/sha256%3A1/history': [{ CreatedBy: 'ADD busybox', Size: 2 }],
    '/containers/json?all=1': [{ Id: 'c1', Names: ['/box'], State: 'running' }],
    '/containers/box/changes': [{ Path: '/root', Kind: 0 }, { Path: '/root/note.txt', Kind: 1 }],
    '/drydock/processes': {
      processes: [
        { pid: 1, ppid: 0, command: '/bin/sh /init', nsPids: [1], namespaces: { pid: 10, net: 12, user: 16 }, capEff: [], capBnd: [], cgroup: '/', container: null },
        { pid: 63, ppid: 1, command: 'sleep 1000', nsPids: [63, 1], namespaces: { pid: 20, net: 22, user: 16 }, capEff: ['CAP_KILL'], capBnd: ['CAP_KILL'], cgroup: '/drydock/c1', container: { id: 'c1', name: 'box' } },
      ],
    },
    '/containers/box/json?size=1': { Id: 'c1', Name: '/box', Config: { Image: 'busybox' }, State: { Status: 'running' }, GraphDriver: { Data: { LowerDir: `/mnt/host/layers/${'a'.repeat(64)}`, UpperDir: '/u' } }, SizeRw: 6 },
  };
  return {
    asked,
    answers,
    status: 'ready',
    async engineRequest(_method: string, path: string): Promise<EngineResponse> {
      asked.push(path);
      const answer = answers[path];
      if (answer instanceof Error) return { status: 409, body: JSON.stringify({ message: answer.message }) };
      return path in answers ? { status: 200, body: JSON.stringify(answer) } : { status: 404, body: '{"message":"no"}' };
    },
  };
}

afterEach(() => vi.useRealTimers());

describe('InspectState', () => {
  it('asks the engine nothing while closed, polls while open, and stops when closed again', async () => {
    vi.useFakeTimers();
    const machine = fakeMachine();
    const inspect = new InspectState(machine);
    await vi.advanceTimersByTimeAsync(5 * POLL_GAP_MS);
    expect(machine.asked).toEqual([]);
    inspect.setVisible(true);
    await vi.advanceTimersByTimeAsync(3 * POLL_GAP_MS);
    expect(machine.asked.filter((p) => p === '/images/json').length).toBeGreaterThanOrEqual(3);
    // image facts are immutable: asked once
    expect(machine.asked.filter((p) => p === '/images/sha256%3A1/history')).toHaveLength(1);
    expect(inspect.layers?.layers.map((l) => l.createdBy)).toEqual(['ADD busybox']);
    inspect.setVisible(false);
    await vi.advanceTimersByTimeAsync(POLL_GAP_MS);
    const n = machine.asked.length;
    await vi.advanceTimersByTimeAsync(10 * POLL_GAP_MS);
    expect(machine.asked.length).toBe(n);
    inspect.dispose();
  });

  it('a lesson reveals the container view on a container: its diff, size and lower layers', async () => {
    const machine = fakeMachine();
    const inspect = new InspectState(machine);
    inspect.reveal('container', 'box');
    expect(inspect.visible).toBe(true);
    expect(inspect.revealRequests).toBe(1);
    await inspect.refresh();
    expect(inspect.container?.diffText).toBe('C /root\nA /root/note.txt\n');
    expect(inspect.container?.sizeRw).toBe(6);
    expect(inspect.container?.lowers[0]?.layer?.createdBy).toBe('ADD busybox');
    // the diff is asked before the size: the engine then lists the upper dir once for both
    expect(machine.asked.indexOf('/containers/box/changes')).toBeLessThan(machine.asked.indexOf('/containers/box/json?size=1'));
    inspect.dispose();
  });

  it('a lesson reveals the processes view on a container: only that view asks for the guest\'s processes', async () => {
    const machine = fakeMachine();
    const inspect = new InspectState(machine);
    inspect.setVisible(false);
    await inspect.refresh();
    expect(machine.asked).not.toContain('/drydock/processes');
    inspect.reveal('processes', 'box');
    expect(inspect.processesFocus).toBe('box');
    await inspect.refresh();
    expect(inspect.processes?.rows.find((r) => r.pid === 63)).toMatchObject({ innerPid: 1, owner: 'box' });
    expect(inspect.processes?.containers[0]?.summary).toBe('box: its own pid, net namespaces; shares user with the host');
    inspect.dispose();
  });

  it('the cgroups view keeps a container\'s readings as charts; once it stops, the charts stay with a note why', async () => {
    const machine = fakeMachine();
    const reading = (uptime: number, usage: number, oomKill: number) =>
      cgroupSample('c1', 'box', ['2097152', '8388608', '8388608', `oom_kill ${oomKill}`, '2', 'max', `usage_usec ${usage}`, 'max 100000', `${uptime} 1`]);
    const inspect = new InspectState(machine);
    // what a lesson's reveal('cgroups', 'box') sets, without its polling (these refreshes are the test's own)
    inspect.view = 'cgroups';
    inspect.selectCgroupsContainer('box');
    machine.answers['/drydock/cgroups/box'] = reading(10, 0, 0);
    await inspect.refresh();
    machine.answers['/drydock/cgroups/box'] = reading(12, 500_000, 1);
    await inspect.refresh();
    expect(inspect.cgroups?.points.map((p) => p.cpuPercent)).toEqual([null, 25]);
    expect(inspect.cgroups?.events).toEqual([{ kind: 'oom_kill', t: 2, count: 1, before: false }]);
    machine.answers['/drydock/cgroups/box'] = new Error('container box is not running, so it has no cgroup');
    await inspect.refresh();
    expect(inspect.error).toBeNull();
    expect(inspect.cgroupsNote).toBe('container box is not running, so it has no cgroup');
    expect(inspect.cgroups?.points).toHaveLength(2);
    inspect.dispose();
  });

  it('lists a selected layer\'s files once, and says why when the engine cannot', async () => {
    const machine = fakeMachine();
    const inspect = new InspectState(machine);
    inspect.selectLayer(LAYER);
    await vi.waitFor(() => expect(inspect.layerFilesError).toBe('no'));
    expect(machine.asked).toEqual([`/drydock/layers/${encodeURIComponent(LAYER)}/files`]);
  });
});
