import { describe, expect, it } from 'vitest';
import { containerOfProcess, decodeCapabilities, parseProcessTree, processTreeScript } from './process-tree.ts';

const ID = 'a'.repeat(64);
const HOST = { pid: 4026531836, mnt: 4026531841, net: 4026531840, uts: 4026531838, ipc: 4026531839, cgroup: 4026531835, user: 4026531837 };
const BOX = { pid: 4026532190, mnt: 4026532188, net: 4026532193, uts: 4026532189, ipc: 4026532191, cgroup: 4026532192, user: 4026531837 };
const links = (pid: number, ns: Record<string, number>) => Object.entries(ns).map(([t, n]) => `${pid}/ns/${t} '${pid}/ns/${t}' -> '${t}:[${n}]'`).join('\n');

// The shape of the guest's answer to processTreeScript() (busybox stat, awk, ps), a container `box` running `sleep`:
// 61 is the runtime's wrapper shell (in the cgroup, not in the PID namespace), 63 the container's PID 1.
const CAPTURED = [
  links(1, HOST),
  links(2, HOST),
  links(3, HOST),
  links(61, HOST),
  links(63, BOX),
  '--drydock-section--',
  '1/status PPid:\t0',
  '1/status NSpid:\t1',
  '1/status CapEff:\t000001ffffffffff',
  '1/status CapBnd:\t000001ffffffffff',
  '2/status PPid:\t0',
  '2/status NSpid:\t2',
  '3/status PPid:\t2',
  '3/status NSpid:\t3',
  '61/status PPid:\t1',
  '61/status NSpid:\t61',
  '61/status CapEff:\t000001ffffffffff',
  '61/status CapBnd:\t000001ffffffffff',
  '63/status PPid:\t61',
  '63/status NSpid:\t63\t1',
  '63/status CapEff:\t00000000a80425fb',
  '63/status CapBnd:\t00000000a80425fb',
  '1/cgroup 0::/',
  '2/cgroup 0::/',
  '3/cgroup 0::/',
  `61/cgroup 0::/drydock/${ID}`,
  `63/cgroup 0::/drydock/${ID}`,
  '--drydock-section--',
  'PID   COMMAND',
  '    1 {init} /bin/sh /init',
  '    2 [kthreadd]',
  '    3 [rcu_gp]',
  '   61 sh -c exec /sbin/drydock-init /run/drydock/x/steps',
  '   63 sleep 1000',
  '   70 ps -o pid,args',
  '',
].join('\n');

describe('parseProcessTree', () => {
  const tree = parseProcessTree(CAPTURED);

  it('reads each user process once, kernel threads and half-read processes left out', () => {
    expect(tree.map((p) => p.pid)).toEqual([1, 61, 63]);
  });

  it('has the parent, command, NSpid, namespaces and cgroup of each', () => {
    const sleep = tree.find((p) => p.pid === 63);
    expect(sleep).toMatchObject({ ppid: 61, command: 'sleep 1000', nsPids: [63, 1], namespaces: BOX, cgroup: `/drydock/${ID}` });
    expect(tree[0]).toMatchObject({ pid: 1, ppid: 0, command: '{init} /bin/sh /init', nsPids: [1], namespaces: HOST, cgroup: '/' });
  });

  it('decodes the capabilities: Docker\'s default set in a container, all 41 on the host', () => {
    const sleep = tree.find((p) => p.pid === 63);
    expect(sleep?.capEff).toEqual([
      'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP',
      'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP',
    ]);
    expect(tree[0]?.capEff).toHaveLength(41);
  });

  it('reads nothing from an empty answer', () => {
    expect(parseProcessTree('')).toEqual([]);
  });
});

describe('decodeCapabilities', () => {
  it('names bits beyond the table by number and refuses what is not hex', () => {
    expect(decodeCapabilities('0000000000000401')).toEqual(['CAP_CHOWN', 'CAP_NET_BIND_SERVICE']);
    expect(decodeCapabilities('40000000000')).toEqual(['cap_42']);
    expect(decodeCapabilities('0')).toEqual([]);
    expect(decodeCapabilities('zz')).toEqual([]);
  });
});

describe('containerOfProcess', () => {
  const tree = parseProcessTree(CAPTURED);
  const box = { id: ID, name: 'box', pid: 63 };
  it('finds the container by its cgroup, or by its PID 1 being an ancestor', () => {
    expect(containerOfProcess(tree[2]!, tree, [box])).toBe(box);
    const elsewhere = { ...tree[2]!, pid: 80, ppid: 63, cgroup: '/' };
    expect(containerOfProcess(elsewhere, [...tree, elsewhere], [box])).toBe(box);
    expect(containerOfProcess(tree[0]!, tree, [box])).toBeUndefined();
  });
});

it('the script asks the guest for every namespace type in one pass', () => {
  expect(processTreeScript()).toContain('[0-9]*/ns/pid [0-9]*/ns/mnt [0-9]*/ns/net [0-9]*/ns/uts [0-9]*/ns/ipc [0-9]*/ns/cgroup [0-9]*/ns/user');
});
