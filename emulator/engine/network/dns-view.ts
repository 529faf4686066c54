// What the embedded DNS server answers one container: on each user network it is attached to, every running
// container of that network by its DNSNames (name, network aliases, short ID, hostname: dockerd's
// buildEndpointDNSNames), and the aliases its own `--link`s give on that network. The default bridge has no
// embedded DNS (containers there find each other by /etc/hosts and legacy links only).
import type { DnsRecord } from './endpoint.ts';
import type { ContainerNetworkState } from './endpoint-settings.ts';

export interface DnsParticipant {
  id: string;
  /** without the leading slash */
  name: string;
  hostname: string;
  network: ContainerNetworkState;
}

/** dockerd's buildEndpointDNSNames: the order matters (the first name answers reverse lookups). */
export function endpointDnsNames(c: { id: string; name: string; hostname: string }, aliases: readonly string[] | null): string[] {
  const out: string[] = [];
  for (const n of [c.name, ...(aliases ?? []), c.id.slice(0, 12), c.hostname]) if (n && !out.includes(n)) out.push(n);
  return out;
}

/**
 * The records for `self`'s queries. `userDefined(networkId)` says which networks have the embedded DNS server;
 * `running` are the containers whose endpoints are up (self included: a container resolves its own name too).
 */
export function dnsView(self: DnsParticipant, running: readonly DnsParticipant[], userDefined: (networkId: string) => boolean): DnsRecord[] {
  const records: DnsRecord[] = [];
  const seen = new Set<string>();
  const add = (name: string, ipAddress: string) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    records.push({ name, ipAddress });
  };
  for (const mine of self.network.endpoints) {
    const networkId = mine.settings.NetworkID;
    if (!networkId || !mine.settings.IPAddress || !userDefined(networkId)) continue;
    const members = running.flatMap((c) => {
      const ep = c.network.endpoints.find((e) => e.settings.NetworkID === networkId && e.settings.IPAddress);
      return ep ? [{ c, ep }] : [];
    });
    for (const { c, ep } of members) {
      for (const n of endpointDnsNames(c, ep.settings.Aliases)) add(n, ep.settings.IPAddress);
    }
    // `--link NAME:ALIAS` on a user network: ALIAS names NAME for this container only
    for (const link of mine.settings.Links ?? []) {
      const [target = '', alias = target] = link.split(':');
      const m = members.find(({ c }) => c.name === target.replace(/^\//, '') || c.id === target || (target.length >= 1 && c.id.startsWith(target)));
      if (m) add(alias, m.ep.settings.IPAddress);
    }
  }
  return records;
}
