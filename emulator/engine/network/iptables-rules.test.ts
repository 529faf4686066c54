import { describe, expect, it } from 'vitest';
import type { NetworkPlan } from './endpoint.ts';
import { baseRules, deleteArgv, DOCKER_CHAINS, networkRules, portRules, restoreInput } from './iptables-rules.ts';

const net: NetworkPlan = { id: 'ab'.repeat(32), name: 'app', bridge: 'br-abababababab', subnet: '172.18.0.0/16', gateway: '172.18.0.1', internal: false, embeddedDns: true };

describe('iptables rules as dockerd writes them', () => {
  it('declares the DOCKER chains, jumps into them, then a network\'s NAT, forwarding and isolation', () => {
    expect(restoreInput([...baseRules(), ...networkRules(net)], { chains: DOCKER_CHAINS })).toBe(
      [
        '*nat',
        ':DOCKER - [0:0]',
        '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
        '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
        '-A POSTROUTING -s 172.18.0.0/16 ! -o br-abababababab -j MASQUERADE',
        '-I DOCKER -i br-abababababab -j RETURN',
        'COMMIT',
        '*filter',
        ':DOCKER - [0:0]',
        ':DOCKER-ISOLATION-STAGE-1 - [0:0]',
        ':DOCKER-ISOLATION-STAGE-2 - [0:0]',
        ':DOCKER-USER - [0:0]',
        '-A FORWARD -j DOCKER-USER',
        '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
        '-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
        '-A DOCKER-ISOLATION-STAGE-2 -j RETURN',
        '-A DOCKER-USER -j RETURN',
        '-A FORWARD -o br-abababababab -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-A FORWARD -o br-abababababab -j DOCKER',
        '-A FORWARD -i br-abababababab ! -o br-abababababab -j ACCEPT',
        '-A FORWARD -i br-abababababab -o br-abababababab -j ACCEPT',
        '-I DOCKER-ISOLATION-STAGE-1 -i br-abababababab ! -o br-abababababab -j DOCKER-ISOLATION-STAGE-2',
        '-I DOCKER-ISOLATION-STAGE-2 -o br-abababababab -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('an internal network: no NAT, nothing in from or out to other networks', () => {
    const text = restoreInput(networkRules({ ...net, internal: true }));
    expect(text).not.toContain('MASQUERADE');
    expect(text).not.toContain('*nat');
    expect(text).toContain('-I DOCKER-ISOLATION-STAGE-1 ! -d 172.18.0.0/16 -i br-abababababab -j DROP');
    expect(text).toContain('-I DOCKER-ISOLATION-STAGE-1 ! -s 172.18.0.0/16 -o br-abababababab -j DROP');
  });

  it('a published port: DNAT (to one host address when given) and its FORWARD accept; removed last first', () => {
    const rules = [
      ...portRules({ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.18.0.2', containerPort: 80 }, net.bridge),
      ...portRules({ proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerIp: '172.18.0.2', containerPort: 53 }, net.bridge),
    ];
    expect(restoreInput(rules, { remove: true })).toBe(
      [
        '*nat',
        '-D DOCKER -d 127.0.0.1/32 ! -i br-abababababab -p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.2:53',
        '-D DOCKER ! -i br-abababababab -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
        'COMMIT',
        '*filter',
        '-D DOCKER -d 172.18.0.2/32 ! -i br-abababababab -o br-abababababab -p udp -m udp --dport 53 -j ACCEPT',
        '-D DOCKER -d 172.18.0.2/32 ! -i br-abababababab -o br-abababababab -p tcp -m tcp --dport 80 -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(deleteArgv(rules[0]!)).toEqual(['-t', 'nat', '-D', 'DOCKER', '!', '-i', 'br-abababababab', '-p', 'tcp', '-m', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '172.18.0.2:80']);
  });
});
