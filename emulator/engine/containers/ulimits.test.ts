import { describe, expect, it } from 'vitest';
import { parseUlimit, ulimitList, ulimitRefusal, ulimitScript } from './ulimits.ts';
import { tmpfsDestinationError, tmpfsOptions, validIpcMode, validPidMode, validUtsMode } from './namespace-modes.ts';

describe('--ulimit (go-units ParseUlimit)', () => {
  it('soft[:hard], -1 unlimited', () => {
    expect(parseUlimit('nofile=64')).toEqual({ Name: 'nofile', Soft: 64, Hard: 64 });
    expect(parseUlimit('nofile=64:128')).toEqual({ Name: 'nofile', Soft: 64, Hard: 128 });
    expect(parseUlimit('core=-1')).toEqual({ Name: 'core', Soft: -1, Hard: -1 });
    expect(parseUlimit('nproc=10:-1')).toEqual({ Name: 'nproc', Soft: 10, Hard: -1 });
  });
  it('refuses with its messages', () => {
    expect(() => parseUlimit('nofile')).toThrow('invalid ulimit argument: nofile');
    expect(() => parseUlimit('files=1')).toThrow('invalid ulimit type: files');
    expect(() => parseUlimit('nofile=x')).toThrow('strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => parseUlimit('nofile=1:2:3')).toThrow('too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`');
    expect(() => parseUlimit('nofile=128:64')).toThrow('ulimit soft limit must be less than or equal to hard limit: 128 > 64');
  });
  it('one per name, the last wins, sorted', () => {
    expect(ulimitList([parseUlimit('nproc=5'), parseUlimit('nofile=1'), parseUlimit('nofile=2')]).map((u) => `${u.Name}=${u.Soft}`)).toEqual(['nofile=2', 'nproc=5']);
  });
  it('as busybox ash ulimit lines, in its units; what it cannot set is refused', () => {
    expect(ulimitScript([{ type: 'RLIMIT_NOFILE', soft: 64, hard: 128 }, { type: 'RLIMIT_STACK', soft: 8 << 20, hard: -1 }])).toBe('ulimit -n 128 && ulimit -S -n 64 && ulimit -s unlimited && ulimit -S -s 8192');
    expect(ulimitRefusal(parseUlimit('rttime=5'))).toMatch(/no option for RLIMIT_RTTIME/);
    expect(ulimitRefusal(parseUlimit('stack=1000'))).toMatch(/multiple of 1024/);
    expect(ulimitRefusal(parseUlimit('core=1024'))).toBeUndefined();
  });
});

describe('namespace modes and --tmpfs', () => {
  it('valid modes as moby says', () => {
    expect(['', 'private', 'none', 'shareable', 'host', 'container:db'].every(validIpcMode)).toBe(true);
    expect(validIpcMode('container:')).toBe(false);
    expect(validIpcMode('bogus')).toBe(false);
    expect(validPidMode('host') && validPidMode('container:x') && !validPidMode('private')).toBe(true);
    expect(validUtsMode('host') && !validUtsMode('container:x')).toBe(true);
  });
  it('tmpfs options merged after the defaults (MergeTmpfsOptions)', () => {
    expect(tmpfsOptions('')).toEqual(['noexec', 'nosuid', 'nodev', 'rprivate']);
    expect(tmpfsOptions('rw,exec,size=64k')).toEqual(['nosuid', 'nodev', 'rprivate', 'rw', 'exec', 'size=64k']);
    expect(tmpfsOptions('size=1m,size=2m')).toEqual(['noexec', 'nosuid', 'nodev', 'rprivate', 'size=2m']);
    expect(() => tmpfsOptions('bogus')).toThrow('invalid tmpfs option "bogus"');
    expect(tmpfsDestinationError('run')).toBe("invalid mount path: 'run' mount path must be absolute");
    expect(tmpfsDestinationError('/')).toBe("invalid specification: destination can't be '/'");
  });
});
