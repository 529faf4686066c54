// `docker run` / `docker create`'s flag table, in the order `docker run --help` lists it: names, value types and
// their pflag.Value checks (Docker's messages), help text. `run-options.ts` parses argv against it with `flags.ts`.
import { parseGoInt, type FlagSpec } from './flags.ts';
import { parseLink } from '../network/network-mode.ts';
import { parseNetworkFlag } from './run-network-flags.ts';
import { parseNanoCpus, ramInBytes } from '../units/parse.ts';
import { parseGoDuration } from '../units/go-duration.ts';
import { parseUlimit } from '../containers/ulimits.ts';

/** pflag's DurationValue: Go's time.ParseDuration, in nanoseconds. */
function parseDuration(value: string): number {
  const d = parseGoDuration(value);
  if (typeof d !== 'number') throw new Error(d.error);
  return d;
}

/** The CLI's ValidateEnv, run as the flag value is set (so `-e =x` is a flag error). */
function validateEnv(value: string): string {
  if (value.split('=')[0] === '') throw new Error(`invalid environment variable: ${value}`);
  return value;
}

export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'cap-add', type: 'list', valueName: 'list', description: 'Add Linux capabilities' },
  { name: 'cap-drop', type: 'list', valueName: 'list', description: 'Drop Linux capabilities' },
  { name: 'cpus', type: 'string', parse: parseNanoCpus, valueName: 'decimal', description: 'Number of CPUs' },
  { name: 'detach', short: 'd', type: 'bool', description: 'Run container in background and print container ID' },
  { name: 'detach-keys', type: 'string', valueName: 'string', description: 'Override the key sequence for detaching a container' },
  { name: 'entrypoint', type: 'string', valueName: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'device', type: 'list', valueName: 'list', description: 'Add a host device to the container' },
  { name: 'env', short: 'e', type: 'list', parse: validateEnv, valueName: 'list', description: 'Set environment variables' },
  { name: 'env-file', type: 'list', valueName: 'list', description: 'Read in a file of environment variables' },
  { name: 'expose', type: 'list', valueName: 'list', description: 'Expose a port or a range of ports' },
  { name: 'group-add', type: 'list', valueName: 'list', description: 'Add additional groups to join' },
  { name: 'health-cmd', type: 'string', valueName: 'string', description: 'Command to run to check health' },
  { name: 'health-interval', type: 'string', parse: parseDuration, valueName: 'duration', description: 'Time between running the check (ms|s|m|h) (default 0s)' },
  { name: 'health-retries', type: 'string', parse: parseGoInt, valueName: 'int', description: 'Consecutive failures needed to report unhealthy' },
  { name: 'health-start-interval', type: 'string', parse: parseDuration, valueName: 'duration', description: 'Time between running the check during the start period (ms|s|m|h) (default 0s)' },
  { name: 'health-start-period', type: 'string', parse: parseDuration, valueName: 'duration', description: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)' },
  { name: 'health-timeout', type: 'string', parse: parseDuration, valueName: 'duration', description: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)' },
  { name: 'hostname', short: 'h', type: 'string', valueName: 'string', description: 'Container host name' },
  { name: 'init', type: 'bool', description: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
  { name: 'ip', type: 'string', valueName: 'string', description: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ipc', type: 'string', valueName: 'string', description: 'IPC mode to use' },
  { name: 'label', short: 'l', type: 'list', valueName: 'list', description: 'Set meta data on a container' },
  { name: 'link', type: 'list', parse: (v) => (parseLink(v), v), valueName: 'list', description: 'Add link to another container' },
  { name: 'mac-address', type: 'string', valueName: 'string', description: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { name: 'memory', short: 'm', type: 'string', parse: ramInBytes, valueName: 'bytes', description: 'Memory limit' },
  { name: 'name', type: 'string', valueName: 'string', description: 'Assign a name to the container' },
  // --net and --network fill the same list, as the CLI's two flags share one NetworkOpt
  { name: 'net', type: 'list', parse: parseNetworkFlag, hidden: true, alias: 'network' },
  { name: 'net-alias', type: 'list', hidden: true, alias: 'network-alias' },
  { name: 'network', type: 'list', parse: parseNetworkFlag, valueName: 'network', description: 'Connect a container to a network' },
  { name: 'network-alias', type: 'list', valueName: 'list', description: 'Add network-scoped alias for the container' },
  { name: 'no-healthcheck', type: 'bool', description: 'Disable any container-specified HEALTHCHECK' },
  { name: 'pid', type: 'string', valueName: 'string', description: 'PID namespace to use' },
  { name: 'pids-limit', type: 'string', parse: parseGoInt, valueName: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'platform', type: 'string', valueName: 'string', description: 'Set platform if server is multi-platform capable' },
  { name: 'privileged', type: 'bool', description: 'Give extended privileges to this container' },
  { name: 'publish', short: 'p', type: 'list', valueName: 'list', description: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', type: 'bool', description: 'Publish all exposed ports to random ports' },
  { name: 'pull', type: 'string', valueName: 'string', description: 'Pull image before running ("always", "missing", "never")', defaultValue: 'missing' },
  { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the pull output' },
  { name: 'read-only', type: 'bool', description: "Mount the container's root filesystem as read only" },
  { name: 'restart', type: 'string', valueName: 'string', description: 'Restart policy to apply when a container exits', defaultValue: 'no' },
  { name: 'rm', type: 'bool', description: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'security-opt', type: 'list', valueName: 'list', description: 'Security Options' },
  { name: 'shm-size', type: 'string', parse: ramInBytes, valueName: 'bytes', description: 'Size of /dev/shm' },
  { name: 'sig-proxy', type: 'bool', description: 'Proxy received signals to the process', defaultValue: true },
  { name: 'stop-signal', type: 'string', valueName: 'string', description: 'Signal to stop the container' },
  { name: 'stop-timeout', type: 'string', parse: parseGoInt, valueName: 'int', description: 'Timeout (in seconds) to stop a container' },
  { name: 'tmpfs', type: 'list', valueName: 'list', description: 'Mount a tmpfs directory' },
  { name: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
  { name: 'ulimit', type: 'list', parse: parseUlimit, valueName: 'ulimit', description: 'Ulimit options', defaultText: '[]' },
  { name: 'user', short: 'u', type: 'string', valueName: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { name: 'uts', type: 'string', valueName: 'string', description: 'UTS namespace to use' },
  { name: 'volume', short: 'v', type: 'list', valueName: 'list', description: 'Bind mount a volume' },
  { name: 'workdir', short: 'w', type: 'string', valueName: 'string', description: 'Working directory inside the container' },
];
