// The parser CLI as a process: JSON on stdout, exit 1 on Dockerfile errors, exit 2 for a missing file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const run = (...args: string[]) =>
  spawnSync('npm', ['run', '-s', 'dockerfile', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

describe('npm run dockerfile -- parse', () => {
  it('prints instructions and errors, exits 1 on errors and 2 for a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockerfile-cli-'));
    const file = join(dir, 'Dockerfile');
    writeFileSync(file, 'FROM debian\nENV A="x y" \\\n    B=2\nFORM x\n');
    const bad = run('parse', file);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({
      instructions: [
        { keyword: 'from', flags: [], args: ['debian'], json: false, startLine: 1, endLine: 1 },
        { keyword: 'env', flags: [], args: ['A', 'x y', 'B', '2'], json: false, startLine: 2, endLine: 3 },
        { keyword: 'form', flags: [], args: ['x'], json: false, startLine: 4, endLine: 4 },
      ],
      errors: [{ message: 'unknown instruction: FORM (did you mean FROM?)', line: 4 }],
    });

    const missing = run('parse', join(dir, 'nope'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
  }, 120_000);
});
