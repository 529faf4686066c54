// The upper dir's tar rewritten as an OCI layer: whiteouts as `.wh.` files, `./` prefixes gone.
import { packTar, unpackTar } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import { layerFromUpperTar } from './container-commit.ts';

describe('layerFromUpperTar', () => {
  it('turns whiteout character devices into .wh. entries and strips ./', async () => {
    const upper = await packTar([
      { header: { name: './', size: 0, type: 'directory' } },
      { header: { name: './etc/', size: 0, type: 'directory' } },
      { header: { name: './etc/group', size: 0, type: 'character-device' } },
      { header: { name: './etc/hosts', size: 0, type: 'file' } },
      { header: { name: './proc/', size: 0, type: 'directory' } },
      { header: { name: './root/new.txt', size: 3, type: 'file' }, body: 'hi\n' },
    ]);
    const layer = await unpackTar(await layerFromUpperTar(upper, { whiteouts: new Set(['/etc/group']), leaveOut: new Set(['/etc/hosts', '/proc']) }));
    expect(layer.map((e) => [e.header.name, e.header.type, e.header.size])).toEqual([
      ['etc/', 'directory', 0],
      ['etc/.wh.group', 'file', 0],
      ['root/new.txt', 'file', 3],
    ]);
    expect(new TextDecoder().decode(layer[2]?.data)).toBe('hi\n');
  });

  it('turns whiteouts tar wrote as hard links of the first one into .wh. entries too', async () => {
    const upper = await packTar([
      { header: { name: './etc/', size: 0, type: 'directory' } },
      { header: { name: './etc/passwd', size: 0, type: 'character-device' } },
      { header: { name: './etc/group', size: 0, type: 'link', linkname: './etc/passwd' } },
    ]);
    const layer = await unpackTar(await layerFromUpperTar(upper, { whiteouts: new Set(['/etc/passwd', '/etc/group']) }));
    expect(layer.map((e) => [e.header.name, e.header.type])).toEqual([
      ['etc/', 'directory'],
      ['etc/.wh.passwd', 'file'],
      ['etc/.wh.group', 'file'],
    ]);
  });

  it('marks an opaque directory with .wh..wh..opq right after its own entry', async () => {
    const upper = await packTar([
      { header: { name: './', size: 0, type: 'directory' } },
      { header: { name: './usr/', size: 0, type: 'directory' } },
      { header: { name: './usr/sbin/', size: 0, type: 'directory' } },
      { header: { name: './usr/sbin/mine', size: 0, type: 'file' } },
    ]);
    const layer = await unpackTar(await layerFromUpperTar(upper, { whiteouts: new Set(), opaque: new Set(['/usr/sbin']) }));
    expect(layer.map((e) => [e.header.name, e.header.type])).toEqual([
      ['usr/', 'directory'],
      ['usr/sbin/', 'directory'],
      ['usr/sbin/.wh..wh..opq', 'file'],
      ['usr/sbin/mine', 'file'],
    ]);
  });
});
