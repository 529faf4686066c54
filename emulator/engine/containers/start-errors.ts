// Why a container's process could not start, decided in TypeScript before exec (PATH lookup like Go's exec.LookPath
// in runc), and the messages and exit codes Docker gives: 127 not found, 126 not executable.
import { DEFAULT_PATH } from './container-config.ts';
import { normalize } from './volume-spec.ts';

/** What the guest says about a path inside the container's root (e.g. one `stat` through the agent). */
export type PathKind = 'executable' | 'not-executable' | 'directory' | 'missing';

export type ExecResolution = { ok: true; path: string } | { ok: false; exitCode: 126 | 127; reason: string };

/**
 * runc's lookup of args[0]: a name with a `/` is used as is (relative to cwd), otherwise searched in the
 * process's PATH. `probe` answers for absolute paths inside the container's root.
 */
export async function resolveExecutable(arg0: string, env: readonly string[], cwd: string, probe: (path: string) => Promise<PathKind>): Promise<ExecResolution> {
  if (arg0.includes('/')) {
    const path = normalize(arg0.startsWith('/') ? arg0 : `${cwd}/${arg0}`);
    const kind = await probe(path);
    if (kind === 'executable') return { ok: true, path };
    if (kind === 'missing') return { ok: false, exitCode: 127, reason: `exec: "${arg0}": stat ${arg0}: no such file or directory` };
    return { ok: false, exitCode: 126, reason: `exec: "${arg0}": permission denied` };
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  let denied = false;
  for (const dir of pathVar.split(':')) {
    const base = dir === '' ? cwd : dir;
    const path = `${base.replace(/\/$/, '')}/${arg0}`;
    const kind = await probe(path);
    if (kind === 'executable') return { ok: true, path };
    if (kind === 'not-executable') denied = true;
  }
  if (denied) return { ok: false, exitCode: 126, reason: `exec: "${arg0}": permission denied` };
  return { ok: false, exitCode: 127, reason: `exec: "${arg0}": executable file not found in $PATH` };
}

/** The daemon's error for a process that could not start (runc 1.1 as in Docker 24-26); the CLI prefixes `docker: Error response from daemon: `. */
export function startFailureMessage(reason: string): string {
  return `failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${reason}: unknown`;
}
