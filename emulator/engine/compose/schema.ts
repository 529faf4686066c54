// The part of the Compose specification's JSON schema drydock runs, checked with Compose's wording
// (compose-go schema/schema.go: `services.web.ports must be a array`, `services.web additional properties 'foo'
// not allowed`). Attributes Compose knows but drydock does not run are refused by name, never ignored.

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null';

export interface Shape {
  types: JsonType[];
  /** properties of an object; absent: any key, each value checked with `values` */
  props?: Record<string, Shape>;
  values?: Shape;
  items?: Shape;
  /** keys Compose accepts that drydock does not run (refused with a clear message) */
  later?: readonly string[];
  /** allowed string values */
  oneOf?: readonly string[];
}

const s = (...types: JsonType[]): Shape => ({ types });
const str = s('string');
const bool = s('boolean');
const stringList: Shape = { types: ['array'], items: str };
const listOrDict: Shape = { types: ['object', 'array'], values: s('string', 'number', 'boolean', 'null'), items: str };
const command: Shape = { types: ['null', 'array', 'string'], items: str };
const duration = str;

const build: Shape = {
  types: ['string', 'object'],
  props: { context: str, dockerfile: str, args: listOrDict, target: str },
  later: ['dockerfile_inline', 'entitlements', 'provenance', 'sbom', 'ssh', 'labels', 'cache_from', 'cache_to', 'no_cache', 'no_cache_filter', 'additional_contexts', 'pull', 'extra_hosts', 'isolation', 'network', 'secrets', 'shm_size', 'tags', 'ulimits', 'platforms', 'privileged'],
};

const port: Shape = {
  types: ['number', 'string', 'object'],
  props: { name: str, mode: str, host_ip: str, target: s('integer', 'string'), published: s('string', 'integer'), protocol: str, app_protocol: str },
};

const volume: Shape = {
  types: ['string', 'object'],
  props: {
    type: { types: ['string'], oneOf: ['bind', 'volume'] },
    source: str,
    target: str,
    read_only: bool,
    bind: { types: ['object'], props: { create_host_path: bool }, later: ['propagation', 'selinux', 'recursive'] },
    volume: { types: ['object'], props: { nocopy: bool }, later: ['subpath'] },
  },
  later: ['consistency', 'tmpfs', 'image'],
};

const healthcheck: Shape = {
  types: ['object'],
  props: { test: s('string', 'array'), interval: duration, timeout: duration, start_period: duration, start_interval: duration, retries: s('number'), disable: bool },
};

const dependsOn: Shape = {
  types: ['array', 'object'],
  items: str,
  values: {
    types: ['object'],
    props: { condition: { types: ['string'], oneOf: ['service_started', 'service_healthy', 'service_completed_successfully'] }, required: bool, restart: bool },
  },
};

const serviceNetworks: Shape = {
  types: ['array', 'object'],
  items: str,
  values: { types: ['object', 'null'], props: { aliases: stringList }, later: ['driver_opts', 'gw_priority', 'interface_name', 'ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address', 'priority'] },
};

const service: Shape = {
  types: ['object'],
  props: {
    image: str,
    build,
    command,
    entrypoint: command,
    environment: listOrDict,
    env_file: { types: ['string', 'array'], items: { types: ['string', 'object'], props: { path: str, required: bool, format: str } } },
    ports: { types: ['array'], items: port },
    expose: { types: ['array'], items: s('string', 'number') },
    volumes: { types: ['array'], items: volume },
    networks: serviceNetworks,
    depends_on: dependsOn,
    cap_add: stringList,
    cap_drop: stringList,
    init: bool,
    privileged: bool,
    read_only: bool,
    healthcheck,
    restart: str,
    working_dir: str,
    user: str,
    hostname: str,
    labels: listOrDict,
    deploy: { types: ['object', 'null'], props: { replicas: s('integer') }, later: ['mode', 'labels', 'update_config', 'rollback_config', 'resources', 'restart_policy', 'placement', 'endpoint_mode'] },
  },
  later: [
    'profiles', 'annotations', 'attach', 'develop', 'blkio_config', 'cgroup_parent', 'cgroup', 'cpu_count', 'cpu_percent',
    'cpu_period', 'cpu_quota', 'cpu_rt_period', 'cpu_rt_runtime', 'cpus', 'cpuset', 'cpu_shares', 'configs', 'container_name', 'credential_spec',
    'device_cgroup_rules', 'devices', 'dns', 'dns_opt', 'dns_search', 'domainname', 'provider', 'extends', 'external_links', 'extra_hosts',
    'group_add', 'gpus', 'ipc', 'isolation', 'label_file', 'links', 'logging', 'mem_limit', 'mem_reservation', 'memswap_limit',
    'mem_swappiness', 'mac_address', 'models', 'network_mode', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit', 'platform',
    'pull_policy', 'runtime', 'scale', 'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal',
    'storage_opt', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'use_api_socket', 'userns_mode', 'uts', 'volume_driver', 'volumes_from',
    'pre_start', 'post_start', 'pre_stop',
  ],
};

const labels = listOrDict;
export const COMPOSE_FILE: Shape = {
  types: ['object'],
  props: {
    version: str,
    name: str,
    services: { types: ['object', 'null'], values: service },
    networks: { types: ['object', 'null'], values: { types: ['object', 'null'], props: { name: str, driver: str, external: bool, labels }, later: ['driver_opts', 'ipam', 'internal', 'attachable', 'enable_ipv4', 'enable_ipv6'] } },
    volumes: { types: ['object', 'null'], values: { types: ['object', 'null'], props: { name: str, driver: str, external: bool, labels }, later: ['driver_opts'] } },
  },
  later: ['include', 'secrets', 'configs', 'models'],
};

export interface SchemaProblem {
  path: (string | number)[];
  message: string;
}

function typeOf(v: unknown): JsonType {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

/** compose-go's humanReadableType: `object` reads `mapping`, several are sorted and joined with "or". */
function humanType(want: JsonType[]): string {
  const names = want.map((t) => (t === 'object' ? 'mapping' : t));
  if (names.length === 1) return names[0] as string;
  names.sort();
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** The first problem in document order, or undefined. `x-` extensions are allowed on objects with properties. */
export function checkShape(value: unknown, shape: Shape, path: (string | number)[] = []): SchemaProblem | undefined {
  const where = path.join('.');
  const t = typeOf(value);
  const fits = shape.types.includes(t) || (t === 'integer' && shape.types.includes('number'));
  if (!fits) return { path, message: `${where} must be a ${humanType(shape.types)}` };
  if (shape.oneOf && typeof value === 'string' && !shape.oneOf.includes(value)) {
    return { path, message: `${where} must be one of the following: ${shape.oneOf.map((o) => `"${o}"`).join(', ')}` };
  }
  if (t === 'array' && shape.items) {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      const p = checkShape(list[i], shape.items, [...path, i]);
      if (p) return p;
    }
  }
  if (t === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (shape.props) {
        if (k.startsWith('x-')) continue;
        const sub = shape.props[k];
        if (!sub) {
          if (shape.later?.includes(k)) return { path: [...path, k], message: `${[...path, k].join('.')} is not supported by drydock yet` };
          return { path: [...path, k], message: `${where ? `${where} ` : ''}additional properties '${k}' not allowed` };
        }
        const p = checkShape(v, sub, [...path, k]);
        if (p) return p;
      } else if (shape.values) {
        const p = checkShape(v, shape.values, [...path, k]);
        if (p) return p;
      }
    }
  }
  return undefined;
}
