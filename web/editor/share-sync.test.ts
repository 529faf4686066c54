// Unit tests for the editor <-> share sync, against an in-memory share standing in for the worker's 9p folder.
import { describe, expect, it, vi } from 'vitest';
import { Project } from './project.svelte.ts';
import { FakeShare } from './fake-share.ts';
import { ShareSync } from './share-sync.ts';

async function setup(files: Record<string, string> = { Dockerfile: 'FROM node\n', 'index.js': 'hi\n' }) {
  const project = new Project();
  await project.loaded;
  project.reset(files);
  const share = new FakeShare();
  const sync = new ShareSync(project, share, { writeDelayMs: 10_000 });
  await sync.sync();
  return { project, share, sync };
}

describe('ShareSync', () => {
  it('first puts the whole project into the share folder, removing what the project lacks', async () => {
    const project = new Project();
    await project.loaded;
    project.reset({ Dockerfile: 'FROM node\n', 'src/app.js': 'x' });
    project.createFolder('empty');
    const share = new FakeShare();
    share.guestWrite('work/stale.txt', 'old');
    share.guestWrite('work/node_modules/dep/index.js', 'kept: dependencies are not the project');
    const sync = new ShareSync(project, share);
    await sync.sync();
    expect(share.text('work/Dockerfile')).toBe('FROM node\n');
    expect(share.text('work/src/app.js')).toBe('x');
    expect(share.dirs.has('work/empty')).toBe(true);
    expect(share.files.has('work/stale.txt')).toBe(false);
    expect(share.files.has('work/node_modules/dep/index.js')).toBe(true);
    // nothing came back into the project
    expect([...project.files.keys()].sort()).toEqual(['Dockerfile', 'src/app.js']);
    sync.dispose();
  });

  it('writes editor changes, renames and deletions to the share, after the delay', async () => {
    vi.useFakeTimers();
    try {
      const project = new Project();
      await project.loaded;
      project.reset({ Dockerfile: 'FROM node\n', 'a.txt': 'a' });
      const share = new FakeShare();
      const sync = new ShareSync(project, share, { writeDelayMs: 200 });
      await sync.sync();
      project.write('Dockerfile', 'FROM busybox\n');
      project.rename('a.txt', 'docs/b.txt');
      expect(share.text('work/Dockerfile')).toBe('FROM node\n');
      await vi.advanceTimersByTimeAsync(250);
      await sync.sync();
      expect(share.text('work/Dockerfile')).toBe('FROM busybox\n');
      expect(share.files.has('work/a.txt')).toBe(false);
      expect(share.text('work/docs/b.txt')).toBe('a');
      sync.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes in files the guest created, changed and deleted, without writing them back', async () => {
    const { project, share, sync } = await setup();
    share.guestWrite('work/x.txt', 'hi\n');
    share.guestWrite('work/index.js', 'changed\n');
    share.guestWrite('work/deep/er/y.txt', 'y');
    share.files.delete('work/Dockerfile');
    share.dirs.add('work/newdir');
    share.writes = [];
    await sync.sync();
    expect(Object.fromEntries(project.files)).toEqual({ 'x.txt': 'hi\n', 'index.js': 'changed\n', 'deep/er/y.txt': 'y' });
    expect(project.isFolder('newdir')).toBe(true);
    await sync.sync();
    expect(share.writes).toEqual([]);
    sync.dispose();
  });

  it('sees a same-size change (content hash, not mtime)', async () => {
    const { project, share, sync } = await setup({ 'a.txt': 'aaa' });
    share.guestWrite('work/a.txt', 'bbb');
    await sync.sync();
    expect(project.read('a.txt')).toBe('bbb');
    sync.dispose();
  });

  it('keeps an editor change that is still waiting to be written over a guest change to the same file', async () => {
    const { project, share, sync } = await setup({ 'a.txt': 'base' });
    project.write('a.txt', 'typed in the editor');
    share.guestWrite('work/a.txt', 'written in the guest');
    await sync.sync();
    expect(project.read('a.txt')).toBe('typed in the editor');
    expect(share.text('work/a.txt')).toBe('typed in the editor');
    sync.dispose();
  });

  it('writes a change again after a failed write, instead of dropping it', async () => {
    const { project, share, sync } = await setup({ 'a.txt': 'a' });
    const write = share.write.bind(share);
    share.write = () => Promise.reject(new Error('worker busy'));
    project.write('a.txt', 'edited');
    await expect(sync.sync()).rejects.toThrow('worker busy');
    share.write = write;
    await sync.sync();
    expect(share.text('work/a.txt')).toBe('edited');
    expect(project.read('a.txt')).toBe('edited');
    sync.dispose();
  });

  it('leaves binary files in the share out of the editor', async () => {
    const { project, share, sync } = await setup({ 'a.txt': 'a' });
    share.guestWrite('work/prog', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1]));
    await sync.sync();
    expect(project.has('prog')).toBe(false);
    sync.dispose();
  });

  it('puts the project back when the share folder vanished as a whole, and again after a reset', async () => {
    const { project, share, sync } = await setup({ 'a.txt': 'a', 'b.txt': 'b' });
    await share.remove('work');
    await sync.sync();
    expect(Object.fromEntries(project.files)).toEqual({ 'a.txt': 'a', 'b.txt': 'b' });
    await sync.sync();
    expect(share.text('work/a.txt')).toBe('a');

    project.reset({ 'lesson/Dockerfile': 'FROM busybox\n' });
    await sync.sync();
    expect([...share.files.keys()]).toEqual(['work/lesson/Dockerfile']);
    sync.dispose();
  });
});
