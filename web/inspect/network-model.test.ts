import { describe, expect, it } from 'vitest';
import type { BridgeDevice } from '../../emulator/engine/api/bridges-api.ts';
import { type ContainerNetFacts, type NetworkFacts, networkModel } from './network-model.ts';

const BRIDGE_ID = 'a'.repeat(64);
const APPNET_ID = 'b'.repeat(64);
const NETWORKS: NetworkFacts[] = [
  { Name: 'bridge', Id: BRIDGE_ID, Driver: 'bridge', Internal: false, IPAM: { Config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }] } },
  { Name: 'host', Id: 'h'.repeat(64), Driver: 'host', Internal: false, IPAM: { Config: [] } },
  { Name: 'backend', Id: 'i'.repeat(64), Driver: 'bridge', Internal: true, IPAM: { Config: [{ Subnet: '172.19.0.0/16', Gateway: '172.19.0.1' }] } },
  { Name: 'appnet', Id: APPNET_ID, Driver: 'bridge', Internal: false, IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] } },
];
const WEB = 'w'.repeat(64);
const DB = 'd'.repeat(64);
const CONTAINERS: ContainerNetFacts[] = [
  {
    Id: WEB, Names: ['/web'], State: 'running',
    Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }],
    NetworkSettings: { Networks: {
      bridge: { NetworkID: BRIDGE_ID, IPAddress: '172.17.0.2', IPPrefixLen: 16, MacAddress: '02:aa:bb:cc:dd:01' },
      appnet: { NetworkID: APPNET_ID, IPAddress: '172.18.0.2', IPPrefixLen: 16, MacAddress: '02:aa:bb:cc:dd:02' },
    } },
  },
  { Id: DB, Names: ['/db'], State: 'exited', Ports: [], NetworkSettings: { Networks: { appnet: { NetworkID: APPNET_ID, IPAddress: '' } } } },
];
const DEVICES: BridgeDevice[] = [
  { network: 'bridge', networkId: BRIDGE_ID, bridge: 'docker0', veths: [{ container: { id: WEB, name: 'web' }, ifName: 'eth0', hostIfName: 'veth1a2b3c4' }] },
  { network: 'backend', networkId: 'i'.repeat(64), bridge: 'br-iiiiiiiiiiii', veths: [] },
  { network: 'appnet', networkId: APPNET_ID, bridge: 'br-bbbbbbbbbbbb', veths: [{ container: { id: WEB, name: 'web' }, ifName: 'eth1', hostIfName: 'veth5d6e7f8' }] },
];

describe('networkModel', () => {
  const m = networkModel(NETWORKS, CONTAINERS, DEVICES);

  it('lists the bridge networks with their bridge, subnet and the veth pairs of running containers', () => {
    expect(m.bridges.map((b) => [b.network, b.bridge, b.subnet, b.gateway, b.internal])).toEqual([
      ['bridge', 'docker0', '172.17.0.0/16', '172.17.0.1', false],
      ['backend', 'br-iiiiiiiiiiii', '172.19.0.0/16', '172.19.0.1', true],
      ['appnet', 'br-bbbbbbbbbbbb', '172.18.0.0/16', '172.18.0.1', false],
    ]);
    expect(m.bridges[0]!.endpoints).toEqual([{ container: 'web', ifName: 'eth0', hostIfName: 'veth1a2b3c4', address: '172.17.0.2/16', mac: '02:aa:bb:cc:dd:01' }]);
    expect(m.bridges[2]!.endpoints.map((e) => e.address)).toEqual(['172.18.0.2/16']);
  });

  it('traces a published port from the page to the container\'s first endpoint; an exposed-only port is left out', () => {
    expect(m.ports).toHaveLength(1);
    expect(m.ports[0]).toMatchObject({ container: 'web', proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.2', containerPort: 80 });
    expect(m.ports[0]!.path).toEqual([
      'the page\'s Ports button 8080 (ports/8080/ under the app\'s address)',
      'the guest\'s every address, port 8080/tcp',
      'DNAT to 172.17.0.2:80',
      'bridge docker0',
      'veth1a2b3c4 = eth0 in web',
      'web listening on 80/tcp',
    ]);
  });
});
