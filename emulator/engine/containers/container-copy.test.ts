import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerPath, copyError, copyScript, COPY_EXIT, splitCpArg, type CopyRequest } from './container-copy.ts';

/** Runs the script with the host's sh and cp (GNU here, busybox in the guest: the options used are common). */
function run(r: Partial<CopyRequest> & { src: string; dst: string }): number {
  try {
    execFileSync('sh', ['-c', copyScript({ archive: true, followLink: false, contentsOnly: false, dstIsDir: false, ...r })], { stdio: 'pipe' });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

describe('docker cp rules', () => {
  const d = mkdtempSync(join(tmpdir(), 'cp-'));
  mkdirSync(join(d, 'src/sub'), { recursive: true });
  writeFileSync(join(d, 'src/sub/f'), 'f');
  writeFileSync(join(d, 'src/.h'), 'h');
  writeFileSync(join(d, 'file'), 'x');
  symlinkSync('file', join(d, 'link'));

  it('file: onto a missing path, into a directory, over a file; a missing parent or a trailing / refused', () => {
    expect(run({ src: join(d, 'file'), dst: join(d, 'new') })).toBe(0);
    expect(readFileSync(join(d, 'new'), 'utf8')).toBe('x');
    expect(run({ src: join(d, 'file'), dst: join(d, 'src') })).toBe(0);
    expect(existsSync(join(d, 'src/file'))).toBe(true);
    expect(run({ src: join(d, 'file'), dst: join(d, 'no/such') })).toBe(COPY_EXIT.dstParentMissing);
    expect(run({ src: join(d, 'file'), dst: join(d, 'nodir'), dstIsDir: true })).toBe(COPY_EXIT.dstDirMissing);
    expect(run({ src: join(d, 'nothing'), dst: join(d, 'x') })).toBe(COPY_EXIT.srcMissing);
  });

  it('directory: onto a missing path it becomes it, into a directory it goes inside, /. copies the contents', () => {
    expect(run({ src: join(d, 'src'), dst: join(d, 'a') })).toBe(0);
    expect(readFileSync(join(d, 'a/sub/f'), 'utf8')).toBe('f');
    expect(readFileSync(join(d, 'a/.h'), 'utf8')).toBe('h');
    expect(run({ src: join(d, 'src'), dst: join(d, 'a') })).toBe(0);
    expect(existsSync(join(d, 'a/src/sub/f'))).toBe(true);
    mkdirSync(join(d, 'b'));
    expect(run({ src: join(d, 'src'), dst: join(d, 'b'), contentsOnly: true })).toBe(0);
    expect(existsSync(join(d, 'b/sub/f'))).toBe(true);
    expect(run({ src: join(d, 'src'), dst: join(d, 'file') })).toBe(COPY_EXIT.dirOntoFile);
  });

  it('a symlink is copied as a link unless -L', () => {
    expect(run({ src: join(d, 'link'), dst: join(d, 'l1') })).toBe(0);
    expect(execFileSync('readlink', [join(d, 'l1')]).toString()).toBe('file\n');
    expect(run({ src: join(d, 'link'), dst: join(d, 'l2'), followLink: true })).toBe(0);
    expect(execFileSync('sh', ['-c', `[ -L ${join(d, 'l2')} ] || cat ${join(d, 'l2')}`]).toString()).toBe('x');
  });

  it('arguments and messages as the docker CLI and daemon word them', () => {
    expect(splitCpArg('web:/etc/hosts')).toEqual({ container: 'web', path: '/etc/hosts' });
    expect(splitCpArg('./a:b')).toEqual({ path: './a:b' });
    expect(splitCpArg('/tmp/x')).toEqual({ path: '/tmp/x' });
    expect(containerPath('etc/../etc/./hosts')).toBe('/etc/hosts');
    expect(copyError(COPY_EXIT.srcMissing, { src: '/nope', dst: '/tmp' }, { src: 'web' }).message).toBe('Could not find the file /nope in container web');
    expect(copyError(COPY_EXIT.srcMissing, { src: '/tmp/n', dst: '/' }, { dst: 'web' }).message).toBe('lstat /tmp/n: no such file or directory');
  });
});
