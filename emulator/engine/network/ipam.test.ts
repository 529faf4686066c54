import { describe, expect, it } from 'vitest';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { AddressPool, allocateSubnet, validateIpamConfig } from './ipam.ts';
import { formatIPv4, formatPrefix, parseIPv4, parsePrefix, type Prefix } from './ipv4.ts';
import { NetworkStore } from './network-store.ts';

const p = (s: string) => parsePrefix(s) as Prefix;

describe('subnets from the default pools', () => {
  it('172.18-31.0.0/16 after the bridge, then 192.168.0.0/20 chunks, skipping the guest\'s own 192.168.86.0/24', () => {
    const taken = [p('172.17.0.0/16')];
    const got: string[] = [];
    for (let i = 0; i < 22; i++) {
      const s = allocateSubnet(taken);
      taken.push(s);
      got.push(formatPrefix(s));
    }
    expect(got.slice(0, 3)).toEqual(['172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16']);
    expect(got[13]).toBe('172.31.0.0/16');
    expect(got.slice(14)).toEqual(['192.168.0.0/20', '192.168.16.0/20', '192.168.32.0/20', '192.168.48.0/20', '192.168.64.0/20', '192.168.96.0/20', '192.168.112.0/20', '192.168.128.0/20']);
  });
  it('the lowest free one again after a removal; a user subnet in the way is skipped', () => {
    expect(formatPrefix(allocateSubnet([p('172.17.0.0/16'), p('172.19.0.0/16')]))).toBe('172.18.0.0/16');
    expect(formatPrefix(allocateSubnet([p('172.17.0.0/16'), p('172.18.5.0/24')]))).toBe('172.19.0.0/16');
  });
});

describe("IPAM config checks (dockerd's ValidateIPAM)", () => {
  it('messages', () => {
    expect(() => validateIpamConfig([{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.254', IPRange: '10.1.0.128/25' }])).not.toThrow();
    expect(() => validateIpamConfig([{ Subnet: 'abc' }])).toThrow('invalid network config:\ninvalid subnet abc: invalid CIDR block notation');
    expect(() => validateIpamConfig([{ Subnet: '10.1.0.1/24' }])).toThrow('invalid network config:\ninvalid subnet 10.1.0.1/24: it should be 10.1.0.0/24');
    expect(() => validateIpamConfig([{ Subnet: '10.1.0.0/24', Gateway: '10.2.0.1' }])).toThrow("invalid gateway 10.2.0.1: parent subnet 10.1.0.0/24 doesn't contain this address");
    expect(() => validateIpamConfig([{ Subnet: '10.1.0.0/24', IPRange: '10.2.0.0/25', Gateway: 'x' }])).toThrow(
      "invalid network config:\n* invalid ip-range 10.2.0.0/25: parent subnet 10.1.0.0/24 doesn't contain ip-range\n* invalid gateway x: invalid address",
    );
  });
});

describe('addresses in a network', () => {
  it('network and broadcast reserved; the gateway, then the lowest free; --ip; release', () => {
    const pool = new AddressPool(p('172.18.0.0/16'));
    expect(formatIPv4(pool.allocate())).toBe('172.18.0.1');
    expect(formatIPv4(pool.allocate())).toBe('172.18.0.2');
    expect(formatIPv4(pool.allocate(parseIPv4('172.18.0.9')))).toBe('172.18.0.9');
    expect(() => pool.allocate(parseIPv4('172.18.0.9'))).toThrow('Address already in use');
    expect(() => pool.allocate(parseIPv4('10.0.0.1'))).toThrow('requested address is out of range');
    expect(formatIPv4(pool.allocate())).toBe('172.18.0.3');
    pool.release(parseIPv4('172.18.0.2') as number);
    expect(formatIPv4(pool.allocate())).toBe('172.18.0.2');
  });
  it('an --ip-range gives automatic addresses from the range only; a full pool says so', () => {
    const pool = new AddressPool(p('10.1.0.0/29'), p('10.1.0.4/30'));
    expect([pool.allocate(), pool.allocate(), pool.allocate()].map(formatIPv4)).toEqual(['10.1.0.4', '10.1.0.5', '10.1.0.6']);
    expect(() => pool.allocate()).toThrow('no available addresses on this pool');
  });
});

describe('networks', () => {
  const open = (storage = new MemoryJsonStorage()) => NetworkStore.open(storage, { now: () => Date.UTC(2026, 0, 1) });
  it('predefined bridge, host and none with IDs kept across opens', async () => {
    const storage = new MemoryJsonStorage();
    const a = await open(storage);
    expect(a.list().map((n) => [n.name, n.driver, n.subnet, n.gateway])).toEqual([
      ['bridge', 'bridge', '172.17.0.0/16', '172.17.0.1'],
      ['host', 'host', undefined, undefined],
      ['none', 'null', undefined, undefined],
    ]);
    const b = await open(storage);
    expect(b.list().map((n) => n.id)).toEqual(a.list().map((n) => n.id));
    expect(a.list().every((n) => /^[0-9a-f]{64}$/.test(n.id))).toBe(true);
  });
  it('create: a subnet from the pools, or the user\'s; dockerd\'s refusals', async () => {
    const s = await open();
    const one = await s.create({ Name: 'one' });
    expect([one.subnet, one.gateway, one.driver]).toEqual(['172.18.0.0/16', '172.18.0.1', 'bridge']);
    const two = await s.create({ Name: 'two', IPAM: { Config: [{ Subnet: '10.5.0.0/24' }] }, Labels: { a: 'b' }, Internal: true });
    expect([two.subnet, two.gateway, two.internal, two.labels]).toEqual(['10.5.0.0/24', '10.5.0.1', true, { a: 'b' }]);
    const ranged = await s.create({ Name: 'ranged', IPAM: { Config: [{ Subnet: '10.6.0.0/24', IPRange: '10.6.0.128/25' }] } });
    expect(ranged.gateway).toBe('10.6.0.128');
    await expect(s.create({ Name: 'one' })).rejects.toThrow('network with name one already exists');
    await expect(s.create({ Name: 'bridge' })).rejects.toThrow('operation is not permitted on predefined bridge network ');
    await expect(s.create({ Name: 'three', IPAM: { Config: [{ Subnet: '10.5.0.128/25' }] } })).rejects.toThrow('invalid pool request: Pool overlaps with other one on this address space');
    await expect(s.create({ Name: '' })).rejects.toThrow('invalid name: name is empty');
    await expect(s.create({ Name: 'x', Driver: 'macvlan' })).rejects.toThrow('plugin "macvlan" not found');
    await expect(s.create({ Name: 'x', Driver: 'host' })).rejects.toThrow('only one instance of "host" network is allowed');
  });
  it("lookup like dockerd's FindNetwork: full ID, name, unique ID prefix", async () => {
    let n = 0;
    const ids = ['aa11', 'aa22', 'bb33', 'cc44'].map((h) => h.padEnd(64, '0'));
    const s = await NetworkStore.open(new MemoryJsonStorage(), { generateId: () => ids[n++] as string });
    await s.create({ Name: 'cc44' });
    expect(s.find('bridge')?.id).toBe(ids[0]);
    expect(s.find(ids[1] as string)?.name).toBe('host');
    expect(s.find('bb')?.name).toBe('none');
    expect(() => s.find('aa')).toThrow('network aa is ambiguous (2 matches found based on ID prefix)');
    // a name wins over an ID prefix
    expect(s.get('cc44').name).toBe('cc44');
    expect(() => s.get('nope')).toThrow('network nope not found');
  });
});
