// The environment variables a legacy link (`--link db:d` on the default bridge) gives the linking container, as
// moby's daemon/links does: `D_PORT`, `D_PORT_80_TCP...`, ranges, `D_NAME=/web/d`, and the linked container's
// own variables as `D_ENV_X` (Docker 28 still sets them).
import { splitProtoPort } from './ports.ts';

/** nat.Sort with links' withTCPPriority: by protocol (tcp first, then by name), then by port. */
function sortPorts(ports: readonly string[]): { port: number; proto: string }[] {
  const parsed = ports.map((p) => {
    const [proto, port] = splitProtoPort(p);
    return { port: Number(port), proto };
  });
  return parsed.sort((a, b) => {
    if (a.proto.toLowerCase() === b.proto.toLowerCase()) return a.port - b.port;
    if (a.proto.toLowerCase() === 'tcp') return -1;
    if (b.proto.toLowerCase() === 'tcp') return 1;
    return a.proto.toLowerCase() < b.proto.toLowerCase() ? -1 : 1;
  });
}

/** `linkName` is `/PARENT/ALIAS`; `exposed` the linked container's Config.ExposedPorts keys. */
export function linkEnvVars(linkName: string, childIp: string, childEnv: readonly string[], exposed: readonly string[]): string[] {
  const alias = (linkName.split('/').pop() ?? '').toUpperCase().replace(/-/g, '_');
  const ports = sortPorts(exposed);
  const env: string[] = [];
  let start = ports[0];
  let end = ports[0];
  ports.forEach((p, i) => {
    if (i === 0) env.push(`${alias}_PORT=${p.proto}://${childIp}:${p.port}`);
    const prefix = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${prefix}=${p.proto}://${childIp}:${p.port}`, `${prefix}_ADDR=${childIp}`, `${prefix}_PORT=${p.port}`, `${prefix}_PROTO=${p.proto}`);
    if (end && start && p.port === end.port + 1 && p.proto.toLowerCase() === start.proto.toLowerCase()) {
      end = p;
      if (i < ports.length - 1) return;
    }
    if (start && end && (end.port !== start.port || end.proto !== start.proto)) {
      const rp = `${alias}_PORT_${start.port}_${start.proto.toUpperCase()}`;
      env.push(`${rp}_START=${start.proto}://${childIp}:${start.port}`, `${rp}_PORT_START=${start.port}`, `${rp}_END=${end.proto}://${childIp}:${end.port}`, `${rp}_PORT_END=${end.port}`);
    }
    start = p;
    end = p;
  });
  env.push(`${alias}_NAME=${linkName}`);
  for (const v of childEnv) {
    const eq = v.indexOf('=');
    if (eq < 0) continue;
    const name = v.slice(0, eq);
    if (name === 'HOME' || name === 'PATH') continue;
    env.push(`${alias}_ENV_${name}=${v.slice(eq + 1)}`);
  }
  return env;
}
