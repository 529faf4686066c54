// Test support: a guest agent that plays the runtime's side of a detached container start, for engine tests that
// need a container to run to its end without a VM.
import type { GuestExec } from '../../../emulator/engine/runtime/guest-exec.ts';

/**
 * Every guest step succeeds, the PATH probe finds an executable, drydock-init's pid file names PID 1, and each
 * spawned process prints `output` on stdout at once and exits 0: a short container such as `echo hi`.
 */
export function shortRunGuest(output: string): GuestExec {
  const ok = (stdout = '') => ({ exitCode: 0, stdout: new TextEncoder().encode(stdout), stderr: new Uint8Array() });
  return {
    // the probe (daemon/runtime-create.ts probePaths) is one `sh -c` line per candidate path: `x` is an executable
    exec: async (argv) => (argv[0] === 'sh' && argv[1] === '-c' ? ok('x\n'.repeat((argv[2] ?? '').split('\n').length)) : ok()),
    spawn: (_argv, options) => {
      const exit = Promise.resolve().then(() => (options?.onStdout?.(new TextEncoder().encode(output)), { exitCode: 0 }));
      return { started: Promise.resolve(41), exit, kill: () => undefined };
    },
    writeFile: async () => undefined,
    readFile: async (path) => new TextEncoder().encode(path.endsWith('/pid') ? '42\n' : ''),
  };
}
