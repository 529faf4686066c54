import { describe, expect, it } from 'vitest';
import { resolveInRoot, type LinkLookup } from './root-path.ts';

/** A tree of paths: a string is a symlink's target, null anything else. */
function links(tree: Record<string, string | null>): LinkLookup {
  return async (path) => {
    if (!(path in tree)) return undefined;
    const v = tree[path];
    return typeof v === 'string' ? { kind: 'symlink', target: v } : { kind: 'directory' };
  };
}

describe('resolveInRoot (BuildKit rootPath / filepath-securejoin)', () => {
  const tree = links({
    '/etc': null,
    '/sub': null,
    '/sub/foo': null,
    '/abs': '/etc',
    '/rel': 'sub',
    '/up': '../../../sub',
    '/sub/back': '..',
    '/loop': '/loop',
    '/a': 'b',
    '/b': 'c',
    '/c': 'sub',
  });

  it('follows links on the way and at the end, inside the root', async () => {
    expect(await resolveInRoot('/rel/foo', tree)).toBe('/sub/foo');
    expect(await resolveInRoot('abs/passwd', tree)).toBe('/etc/passwd');
    expect(await resolveInRoot('/a/foo', tree)).toBe('/sub/foo');
    expect(await resolveInRoot('/sub/back/sub/foo', tree)).toBe('/sub/foo');
  });

  it('never climbs above the root, with .. in the path or in a link', async () => {
    expect(await resolveInRoot('/../../etc', tree)).toBe('/etc');
    expect(await resolveInRoot('/up/foo', tree)).toBe('/sub/foo');
  });

  it('leaves the last link alone when asked, and missing parts as they are', async () => {
    expect(await resolveInRoot('/abs', tree, false)).toBe('/abs');
    expect(await resolveInRoot('/rel/nope/x', tree)).toBe('/sub/nope/x');
  });

  it('gives up after 255 links', async () => {
    await expect(resolveInRoot('/loop/x', tree)).rejects.toThrow('/loop/x: too many links');
  });
});
