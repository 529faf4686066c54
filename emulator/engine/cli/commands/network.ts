// `docker network create|ls|inspect|rm|connect|disconnect|prune` and `docker port`, as the docker 28 CLI runs
// them (cli/command/network, cli/command/container/port.go): the same requests, output and messages.
import { filtersQuery } from '../filter-flag.ts';
import { portLines } from '../../network/port-format.ts';
import { naturalCompare } from '../../network/port-format.ts';
import { parseLink } from '../../network/network-mode.ts';
import { parseCidr, parseIPv4 } from '../../network/ipv4.ts';
import type { NetworkJSON } from '../../network/network-json.ts';
import type { PortMap } from '../../network/ports.ts';
import { CliError, FORMAT_FLAG, type Command, type CommandContext } from '../command.ts';
import { DaemonError } from '../engine-client.ts';
import { FlagError } from '../flags.ts';
import { renderTemplate } from '../go-template.ts';
import { formatList } from '../output-format.ts';

const enc = (s: string) => encodeURIComponent(s);

/** Go's time.Time.String() for an RFC 3339 time in UTC: `2026-01-01 00:00:00.5 +0000 UTC`. */
export function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${fraction === '.' ? '' : fraction} +0000 UTC`;
}

/** The columns `docker network ls` knows (cli/command/network/formatter.go). */
export const NETWORK_FORMAT = {
  defaultTable: '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
  headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' } as Record<string, string>,
};

export function networkRow(n: NetworkJSON, trunc: boolean): Record<string, string> {
  return {
    ID: trunc ? n.Id.slice(0, 12) : n.Id,
    Name: n.Name,
    Driver: n.Driver,
    Scope: n.Scope,
    IPv4: String(n.EnableIPv4 ?? false),
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    CreatedAt: goTimeString(n.Created),
  };
}

const list = (ctx: CommandContext, name: string) => (ctx.flags[name] as string[] | undefined) ?? [];

/** Go's net.ParseCIDR, IPv4 checked, IPv6 let through for the daemon to refuse. */
function goParseCidr(text: string): boolean {
  if (text.includes(':')) return /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(text);
  return parseCidr(text) !== undefined;
}

function contains(subnet: string, data: string): boolean {
  const s = parseCidr(subnet);
  if (!s) return false;
  const text = data.includes('/') ? data.slice(0, data.indexOf('/')) : data;
  const ip = parseIPv4(text);
  if (ip === undefined) return false;
  const mask = s.bits === 0 ? 0 : (0xffffffff << (32 - s.bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((s.ip & mask) >>> 0);
}

/** The CLI's subnetMatches, with its errors. */
function subnetMatches(subnet: string, data: string): boolean {
  if (!goParseCidr(subnet)) throw new CliError(`invalid subnet: invalid CIDR address: ${subnet}`);
  if (data.includes('/') && !goParseCidr(data)) throw new CliError(`invalid CIDR address: ${data}`);
  return contains(subnet, data);
}

/** The CLI's createIPAMConfig: subnets, ranges, gateways and aux addresses grouped per subnet, its refusals. */
function ipamConfig(ctx: CommandContext): { Driver: string; Options: Record<string, string>; Config: Record<string, unknown>[] } {
  const subnets = list(ctx, 'subnet');
  const ranges = list(ctx, 'ip-range');
  const gateways = list(ctx, 'gateway');
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new CliError('every ip-range or gateway must have a corresponding subnet');
  const data = new Map<string, { Subnet: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses: Record<string, string> }>();
  for (const s of subnets) {
    for (const k of data.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new CliError('multiple overlapping subnet configuration is not supported');
    }
    data.set(s, { Subnet: s, AuxiliaryAddresses: {} });
  }
  for (const r of ranges) {
    let match = false;
    for (const s of subnets) {
      if (!goParseCidr(r)) throw new CliError(`invalid CIDR address: ${r}`);
      if (!subnetMatches(s, r)) continue;
      const d = data.get(s) as { IPRange?: string };
      if (d.IPRange) throw new CliError(`cannot configure multiple ranges (${r}, ${d.IPRange}) on the same subnet (${s})`);
      d.IPRange = r;
      match = true;
    }
    if (!match) throw new CliError(`no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const d = data.get(s) as { Gateway?: string };
      if (d.Gateway) throw new CliError(`cannot configure multiple gateways (${g}, ${d.Gateway}) for the same subnet (${s})`);
      d.Gateway = g;
      match = true;
    }
    if (!match) throw new CliError(`no matching subnet for gateway ${g}`);
  }
  for (const aux of list(ctx, 'aux-address')) {
    const [key = '', value = ''] = aux.split(/=(.*)/s);
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, value)) continue;
      (data.get(s) as { AuxiliaryAddresses: Record<string, string> }).AuxiliaryAddresses[key] = value;
      match = true;
    }
    if (!match) throw new CliError(`no matching subnet for aux-address ${value}`);
  }
  const config = [...data.values()].map((d) => ({
    Subnet: d.Subnet,
    ...(d.IPRange ? { IPRange: d.IPRange } : {}),
    ...(d.Gateway ? { Gateway: d.Gateway } : {}),
    ...(Object.keys(d.AuxiliaryAddresses).length ? { AuxiliaryAddresses: d.AuxiliaryAddresses } : {}),
  }));
  return { Driver: (ctx.flags['ipam-driver'] as string | undefined) ?? 'default', Options: keyValues(list(ctx, 'ipam-opt')), Config: config };
}

function keyValues(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** opts.ValidateLabel, as a flag value error. */
function checkLabels(values: readonly string[]): void {
  for (const v of values) {
    const key = (v.split('=')[0] ?? '').replace(/^[ \t\n\v\f\r]+/, '');
    const why = key === '' ? `invalid label '${v}': empty name` : /[ \t\n\v\f\r]/.test(key) ? `label '${key}' contains whitespaces` : undefined;
    if (why) throw new FlagError(`invalid argument "${v}" for "--label" flag: ${why}`);
  }
}

export const networkCreate: Command = {
  usage: 'docker network create [OPTIONS] NETWORK',
  description: 'Create a network',
  flags: [
    { name: 'attachable', type: 'bool', description: 'Enable manual container attachment' },
    { name: 'aux-address', type: 'list', valueName: 'map', description: 'Auxiliary IPv4 or IPv6 addresses used by Network driver (default map[])' },
    { name: 'config-from', type: 'string', description: 'The network from which to copy the configuration' },
    { name: 'config-only', type: 'bool', description: 'Create a configuration only network' },
    { name: 'driver', short: 'd', type: 'string', description: 'Driver to manage the Network', defaultValue: 'bridge' },
    { name: 'gateway', type: 'strings', description: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ingress', type: 'bool', description: 'Create swarm routing-mesh network' },
    { name: 'internal', type: 'bool', description: 'Restrict external access to the network' },
    { name: 'ip-range', type: 'strings', description: 'Allocate container ip from a sub-range' },
    { name: 'ipam-driver', type: 'string', description: 'IP Address Management Driver', defaultValue: 'default' },
    { name: 'ipam-opt', type: 'list', valueName: 'map', description: 'Set IPAM driver specific options (default map[])' },
    { name: 'ipv4', type: 'bool', description: 'Enable or disable IPv4 address assignment (default true)' },
    { name: 'ipv6', type: 'bool', description: 'Enable or disable IPv6 address assignment' },
    { name: 'label', type: 'list', description: 'Set metadata on a network' },
    { name: 'opt', short: 'o', type: 'list', valueName: 'map', description: 'Set driver specific options (default map[])' },
    { name: 'scope', type: 'string', description: "Control the network's scope" },
    { name: 'subnet', type: 'strings', description: 'Subnet in CIDR format that represents a network segment' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx) {
    checkLabels(list(ctx, 'label'));
    const ipam = ipamConfig(ctx);
    const body = {
      Driver: ctx.flags.driver as string,
      Scope: (ctx.flags.scope as string | undefined) ?? '',
      ...(ctx.flags.ipv4 !== undefined ? { EnableIPv4: ctx.flags.ipv4 } : {}),
      ...(ctx.flags.ipv6 !== undefined ? { EnableIPv6: ctx.flags.ipv6 } : {}),
      IPAM: ipam,
      Internal: ctx.flags.internal === true,
      Attachable: ctx.flags.attachable === true,
      Ingress: ctx.flags.ingress === true,
      ConfigOnly: ctx.flags['config-only'] === true,
      ConfigFrom: ctx.flags['config-from'] ? { Network: ctx.flags['config-from'] } : null,
      Options: keyValues(list(ctx, 'opt')),
      Labels: keyValues(list(ctx, 'label')),
      Name: ctx.args[0],
      CheckDuplicate: true,
    };
    const r = await ctx.client.json<{ Id: string }>('POST', '/networks/create', { body });
    ctx.out(`${r.Id}\n`);
    return 0;
  },
};

export const networkLs: Command = {
  usage: 'docker network ls [OPTIONS]',
  description: 'List networks',
  aliases: 'docker network ls, docker network list',
  flags: [
    { name: 'filter', short: 'f', type: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "driver=bridge")' },
    FORMAT_FLAG,
    { name: 'no-trunc', type: 'bool', description: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display network IDs' },
  ],
  args: { max: 0 },
  async run(ctx) {
    const networks = await ctx.client.json<NetworkJSON[]>('GET', '/networks', { query: { filters: filtersQuery(list(ctx, 'filter'), (m) => new FlagError(m)) } });
    networks.sort((a, b) => naturalCompare(a.Name, b.Name));
    const rows = networks.map((n) => networkRow(n, ctx.flags['no-trunc'] !== true));
    let format = (ctx.flags.format as string | undefined) ?? '';
    if (format === '' || format === 'table') format = ctx.flags.quiet === true ? '{{.ID}}' : 'table';
    ctx.out(format === '{{.ID}}' ? rows.map((r) => `${r.ID}\n`).join('') : formatList(format, rows, NETWORK_FORMAT));
    return 0;
  },
};

/** Prints inspect documents like the docker CLI's inspect package; errors after, one a line; exit 1 on any. */
function printInspect(ctx: CommandContext, found: unknown[], errors: string[]): number {
  const format = ctx.flags.format as string | undefined;
  if (!format) ctx.out(`${JSON.stringify(found, null, 4)}\n`);
  else if (format === 'json') ctx.out(`${JSON.stringify(found)}\n`);
  else for (const item of found) ctx.out(`${renderTemplate(format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), item)}\n`);
  for (const e of errors) ctx.err(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}

export const networkInspect: Command = {
  usage: 'docker network inspect [OPTIONS] NETWORK [NETWORK...]',
  description: 'Display detailed information on one or more networks',
  flags: [
    { name: 'format', short: 'f', type: 'string', description: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates" },
    { name: 'verbose', short: 'v', type: 'bool', description: 'Verbose output for diagnostics' },
  ],
  args: { min: 1 },
  async run(ctx) {
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        found.push(await ctx.client.json('GET', `/networks/${enc(name)}`));
      } catch (e) {
        if (!(e instanceof DaemonError)) throw e;
        errors.push(`Error response from daemon: ${e.message}`);
      }
    }
    return printInspect(ctx, found, errors);
  },
};

export const networkRm: Command = {
  usage: 'docker network rm NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  aliases: 'docker network rm, docker network remove',
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Do not error if the network does not exist' }],
  args: { min: 1 },
  async run(ctx) {
    let status = 0;
    for (const name of ctx.args) {
      try {
        await ctx.client.request('DELETE', `/networks/${enc(name)}`);
        ctx.out(`${name}\n`);
      } catch (e) {
        if (!(e instanceof DaemonError)) throw e;
        if (ctx.flags.force === true && e.status === 404) continue;
        ctx.err(`Error response from daemon: ${e.message}\n`);
        status = 1;
      }
    }
    // the CLI's StatusError carries the text `exit status 1`, which its main prints
    if (status !== 0) ctx.err('exit status 1\n');
    return status;
  },
};

export const networkConnect: Command = {
  usage: 'docker network connect [OPTIONS] NETWORK CONTAINER',
  description: 'Connect a container to a network',
  flags: [
    { name: 'alias', type: 'strings', description: 'Add network-scoped alias for the container' },
    { name: 'driver-opt', type: 'strings', description: 'driver options for the network' },
    { name: 'gw-priority', type: 'string', valueName: 'int', description: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    { name: 'ip', type: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', type: 'string', description: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'link', type: 'list', description: 'Add link to another container' },
    { name: 'link-local-ip', type: 'strings', description: 'Add a link-local address for the container' },
  ],
  args: { min: 2, max: 2 },
  async run(ctx) {
    for (const l of list(ctx, 'link')) {
      try {
        parseLink(l);
      } catch (e) {
        throw new FlagError(`invalid argument "${l}" for "--link" flag: ${(e as Error).message}`);
      }
    }
    const gw = (ctx.flags['gw-priority'] as string | undefined) ?? '0';
    if (!/^[+-]?\d+$/.test(gw)) throw new FlagError(`invalid argument "${gw}" for "--gw-priority" flag: strconv.ParseInt: parsing ${JSON.stringify(gw)}: invalid syntax`);
    const driverOpts: Record<string, string> = {};
    for (const o of list(ctx, 'driver-opt')) {
      const eq = o.indexOf('=');
      const k = (eq < 0 ? o : o.slice(0, eq)).trim();
      if (eq < 0 || k === '') throw new CliError('invalid key/value pair format in driver options');
      driverOpts[k] = o.slice(eq + 1).trim();
    }
    const ip = ctx.flags.ip as string | undefined;
    const ip6 = ctx.flags.ip6 as string | undefined;
    const lla = list(ctx, 'link-local-ip');
    await ctx.client.request('POST', `/networks/${enc(ctx.args[0] as string)}/connect`, {
      body: {
        Container: ctx.args[1],
        EndpointConfig: {
          IPAMConfig: { ...(ip ? { IPv4Address: ip } : {}), ...(ip6 ? { IPv6Address: ip6 } : {}), ...(lla.length ? { LinkLocalIPs: lla } : {}) },
          Links: list(ctx, 'link'),
          Aliases: list(ctx, 'alias'),
          DriverOpts: driverOpts,
          GwPriority: Number(gw),
        },
      },
    });
    return 0;
  },
};

export const networkDisconnect: Command = {
  usage: 'docker network disconnect [OPTIONS] NETWORK CONTAINER',
  description: 'Disconnect a container from a network',
  flags: [{ name: 'force', short: 'f', type: 'bool', description: 'Force the container to disconnect from a network' }],
  args: { min: 2, max: 2 },
  async run(ctx) {
    await ctx.client.request('POST', `/networks/${enc(ctx.args[0] as string)}/disconnect`, { body: { Container: ctx.args[1], Force: ctx.flags.force === true } });
    return 0;
  },
};

export const networkPrune: Command = {
  usage: 'docker network prune [OPTIONS]',
  description: 'Remove all unused networks',
  flags: [
    { name: 'filter', type: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx) {
    if (ctx.flags.force !== true) {
      ctx.out('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ');
      const answer = (await ctx.stdin.readLine())?.trim().toLowerCase();
      // a refusal is the CLI's cancelled error, which it does not print (exit 0)
      if (answer !== 'y' && answer !== 'yes') return 0;
    }
    const r = await ctx.client.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filtersQuery(list(ctx, 'filter'), (m) => new FlagError(m)) } });
    const deleted = r.NetworksDeleted ?? [];
    if (deleted.length > 0) ctx.out(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    return 0;
  },
};

export const port: Command = {
  usage: 'docker port CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List port mappings or a specific mapping for the container',
  aliases: 'docker container port, docker port',
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx) {
    const [container = '', wanted] = ctx.args;
    const c = await ctx.client.json<{ NetworkSettings: { Ports: PortMap | null } }>('GET', `/containers/${enc(container)}/json`);
    let lines: string[];
    try {
      lines = portLines(c.NetworkSettings.Ports ?? {}, container, wanted);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    if (lines.length > 0) ctx.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
