// moby's volume spec parser (volume/mounts, Linux): a `-v`/Binds entry read as a bind or a (named or anonymous)
// volume. The daemon parses a create body's Binds with it; the CLI uses it too, to turn `./dir` into an absolute
// path and refuse a bad spec before it asks the daemon, as the docker CLI does.
import { cleanPath } from '../slash-path.ts';

/** A `-v` mount: a guest path bound into the container, or a (named or anonymous) volume. */
export type VolumeMount =
  | { type: 'bind'; source: string; destination: string; readOnly: boolean }
  | { type: 'volume'; name?: string; destination: string; readOnly: boolean; noCopy?: true };

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * moby's Linux volume spec parser: `dst`, `src:dst`, `src:dst:mode`; src `/...` is a bind, else a named volume.
 * Its errors are dockerd's (`fail(message, 'daemon')`); `cwd` resolves `./dir` as the CLI does before sending.
 */
export function parseVolume(spec: string, cwd: string, fail: (message: string, origin: 'daemon') => Error): VolumeMount {
  const parts = spec.split(':');
  const invalid = () => fail(`invalid volume specification: '${spec}'`, 'daemon');
  if (parts.some((p) => p === '') || parts.length > 3) throw invalid();
  let source: string | undefined;
  let destination: string;
  let mode = '';
  if (parts.length === 1) destination = parts[0] as string;
  else if (parts.length === 2) {
    if (isMode(parts[1] as string)) throw invalid();
    [source, destination] = parts as [string, string];
  } else [source, destination, mode] = parts as [string, string, string];
  if (!destination.startsWith('/')) {
    throw fail(`invalid volume specification: '${spec}': invalid mount config for type "${source?.startsWith('/') ? 'bind' : 'volume'}": invalid mount path: '${destination}' mount path must be absolute`, 'daemon');
  }
  if (destination === '/') throw fail(`invalid volume specification: '${spec}': invalid mount config for type "bind": invalid specification: destination can't be '/'`, 'daemon');
  const modes = mode === '' ? [] : mode.split(',');
  for (const m of modes) if (!isMode(m)) throw fail(`invalid mode: ${mode}`, 'daemon');
  const readOnly = modes.includes('ro');
  // The CLI turns `./dir` and `.` into absolute paths against its working directory.
  if (source !== undefined && source.startsWith('.')) source = normalize(`${cwd}/${source}`);
  if (source === undefined) return { type: 'volume', destination: normalize(destination), readOnly };
  if (source.startsWith('/')) return { type: 'bind', source: normalize(source), destination: normalize(destination), readOnly };
  if (!VOLUME_NAME.test(source)) {
    throw fail(`create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, 'daemon');
  }
  // `nocopy`: the volume is not filled from the image's content at its first use
  return { type: 'volume', name: source, destination: normalize(destination), readOnly, ...(modes.includes('nocopy') ? { noCopy: true as const } : {}) };
}

function isMode(m: string): boolean {
  return ['ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'].includes(m);
}

/** Clean a slash path like Go's path.Clean (no `.`/`..`, no doubled or trailing slashes). */
export const normalize = cleanPath;
