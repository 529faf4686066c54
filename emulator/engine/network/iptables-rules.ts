// The iptables rules of Docker's bridge driver (moby libnetwork/drivers/bridge, iptables before nftables), as
// iptables-save prints them, and the iptables-restore input that adds or removes them: the DOCKER chains once per
// guest, a network's NAT and forwarding rules, a published port's DNAT. Pure: the driver runs the text.
import type { NetworkPlan, PortMapping } from './endpoint.ts';

export type Table = 'nat' | 'filter';

/** One rule: `-A`ppended or `-I`nserted at the top of its chain; `spec` as iptables-save writes it. */
export interface Rule {
  table: Table;
  op: '-A' | '-I';
  chain: string;
  spec: string;
}

/** dockerd's chains: DOCKER (nat: DNAT of published ports; filter: accepting them), isolation, DOCKER-USER. */
export const DOCKER_CHAINS: Record<Table, string[]> = {
  nat: ['DOCKER'],
  filter: ['DOCKER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2', 'DOCKER-USER'],
};

const rule = (table: Table, op: Rule['op'], chain: string, spec: string): Rule => ({ table, op, chain, spec });

/**
 * Once per guest: the jumps into DOCKER for traffic to the guest's own addresses (from outside, and from the guest
 * itself except 127.0.0.0/8, which docker-proxy serves), and FORWARD through DOCKER-USER and the isolation chains.
 */
export function baseRules(): Rule[] {
  return [
    rule('nat', '-A', 'PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER'),
    rule('nat', '-A', 'OUTPUT', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER'),
    rule('filter', '-A', 'FORWARD', '-j DOCKER-USER'),
    rule('filter', '-A', 'FORWARD', '-j DOCKER-ISOLATION-STAGE-1'),
    rule('filter', '-A', 'DOCKER-ISOLATION-STAGE-1', '-j RETURN'),
    rule('filter', '-A', 'DOCKER-ISOLATION-STAGE-2', '-j RETURN'),
    rule('filter', '-A', 'DOCKER-USER', '-j RETURN'),
  ];
}

/**
 * A network: outbound NAT for its subnet (not leaving by its own bridge), no DNAT of traffic that comes from the
 * bridge itself, forwarding out and back in, containers of the network reaching each other, and isolation from
 * the other networks. `--internal`: no NAT, nothing leaves the bridge or comes in from elsewhere.
 */
export function networkRules(net: NetworkPlan): Rule[] {
  const br = net.bridge;
  if (net.internal) {
    return [
      rule('filter', '-A', 'FORWARD', `-i ${br} -o ${br} -j ACCEPT`),
      rule('filter', '-I', 'DOCKER-ISOLATION-STAGE-1', `! -d ${net.subnet} -i ${br} -j DROP`),
      rule('filter', '-I', 'DOCKER-ISOLATION-STAGE-1', `! -s ${net.subnet} -o ${br} -j DROP`),
    ];
  }
  return [
    rule('nat', '-A', 'POSTROUTING', `-s ${net.subnet} ! -o ${br} -j MASQUERADE`),
    rule('nat', '-I', 'DOCKER', `-i ${br} -j RETURN`),
    rule('filter', '-A', 'FORWARD', `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`),
    rule('filter', '-A', 'FORWARD', `-o ${br} -j DOCKER`),
    rule('filter', '-A', 'FORWARD', `-i ${br} ! -o ${br} -j ACCEPT`),
    rule('filter', '-A', 'FORWARD', `-i ${br} -o ${br} -j ACCEPT`),
    rule('filter', '-I', 'DOCKER-ISOLATION-STAGE-1', `-i ${br} ! -o ${br} -j DOCKER-ISOLATION-STAGE-2`),
    rule('filter', '-I', 'DOCKER-ISOLATION-STAGE-2', `-o ${br} -j DROP`),
  ];
}

/** A published port: DNAT to the container for traffic not from its own bridge, and FORWARD accepting it. */
export function portRules(m: PortMapping, bridge: string): Rule[] {
  const dest = m.hostIp === '0.0.0.0' ? '' : `-d ${m.hostIp}/32 `;
  return [
    rule('nat', '-A', 'DOCKER', `${dest}! -i ${bridge} -p ${m.proto} -m ${m.proto} --dport ${m.hostPort} -j DNAT --to-destination ${m.containerIp}:${m.containerPort}`),
    rule('filter', '-A', 'DOCKER', `-d ${m.containerIp}/32 ! -i ${bridge} -o ${bridge} -p ${m.proto} -m ${m.proto} --dport ${m.containerPort} -j ACCEPT`),
  ];
}

/**
 * iptables-restore --noflush input: with `chains`, those are declared first (made when missing; --noflush empties a
 * user chain it declares, so only for a guest that has none yet). `remove`: the same rules as -D, last one first.
 */
export function restoreInput(rules: readonly Rule[], options: { remove?: boolean; chains?: Record<Table, string[]> } = {}): string {
  let text = '';
  for (const table of ['nat', 'filter'] as const) {
    const chains = options.chains?.[table] ?? [];
    let lines = rules.filter((r) => r.table === table).map((r) => `${options.remove ? '-D' : r.op} ${r.chain} ${r.spec}`);
    if (options.remove) lines = lines.reverse();
    if (!chains.length && !lines.length) continue;
    text += `*${table}\n${chains.map((c) => `:${c} - [0:0]\n`).join('')}${lines.map((l) => `${l}\n`).join('')}COMMIT\n`;
  }
  return text;
}

/** `iptables -t TABLE -D CHAIN SPEC` argv words for one rule, for removing rules one at a time. */
export function deleteArgv(r: Rule): string[] {
  return ['-t', r.table, '-D', r.chain, ...splitSpec(r.spec)];
}

/** The spec's words (rule specs here never quote: interface names, addresses and numbers only). */
function splitSpec(spec: string): string[] {
  return spec.split(' ').filter((w) => w !== '');
}
