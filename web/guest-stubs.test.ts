// The stubs script run by a real sh into a folder: each stub says its sentence on stderr and exits 127; an existing
// program of the same name is left alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GUEST_STUBS, guestStubsScript } from './guest-stubs.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('guest stubs', () => {
  it('answer apt-get, apt, nano and vim with what to use instead, exit 127', () => {
    dir = mkdtempSync(join(tmpdir(), 'stubs-'));
    execFileSync('/bin/sh', ['-c', guestStubsScript(dir)]);
    for (const [name, message] of Object.entries(GUEST_STUBS)) {
      const run = spawnSync(join(dir, name), ['install', 'it'], { encoding: 'utf8' });
      expect(run.status, name).toBe(127);
      expect(run.stderr).toBe(`${message}\n`);
      expect(run.stdout).toBe('');
    }
  });

  it('leave a program that is already there alone', () => {
    dir = mkdtempSync(join(tmpdir(), 'stubs-'));
    writeFileSync(join(dir, 'vim'), '#!/bin/sh\necho real vim\n', { mode: 0o755 });
    execFileSync('/bin/sh', ['-c', guestStubsScript(dir)]);
    expect(readFileSync(join(dir, 'vim'), 'utf8')).toBe('#!/bin/sh\necho real vim\n');
  });
});
