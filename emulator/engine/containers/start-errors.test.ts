import { describe, expect, it } from 'vitest';
import { resolveExecutable, startFailureMessage, type PathKind } from './start-errors.ts';

const fs: Record<string, PathKind> = { '/bin/sh': 'executable', '/etc/passwd': 'not-executable', '/etc': 'directory', '/app/run.sh': 'executable', '/usr/bin/tool': 'not-executable' };
const probe = async (p: string) => fs[p] ?? 'missing';
const env = ['PATH=/usr/bin:/bin'];

describe('resolveExecutable', () => {
  it('finds commands in PATH and paths as given', async () => {
    expect(await resolveExecutable('sh', env, '/', probe)).toEqual({ ok: true, path: '/bin/sh' });
    expect(await resolveExecutable('./run.sh', env, '/app', probe)).toEqual({ ok: true, path: '/app/run.sh' });
    expect(await resolveExecutable('sh', [], '/', probe)).toEqual({ ok: true, path: '/bin/sh' });
  });
  it('127 and 126 with runc reasons', async () => {
    expect(await resolveExecutable('nope', env, '/', probe)).toEqual({ ok: false, exitCode: 127, reason: 'exec: "nope": executable file not found in $PATH' });
    expect(await resolveExecutable('/nope', env, '/', probe)).toEqual({ ok: false, exitCode: 127, reason: 'exec: "/nope": stat /nope: no such file or directory' });
    expect(await resolveExecutable('/etc/passwd', env, '/', probe)).toEqual({ ok: false, exitCode: 126, reason: 'exec: "/etc/passwd": permission denied' });
    expect(await resolveExecutable('/etc', env, '/', probe)).toMatchObject({ exitCode: 126 });
    expect(await resolveExecutable('tool', env, '/', probe)).toMatchObject({ exitCode: 126 });
  });
  it("Docker's message", () => {
    expect(startFailureMessage('exec: "nope": executable file not found in $PATH')).toBe(
      'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
    );
  });
});
