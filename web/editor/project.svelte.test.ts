// Unit tests for the project state: files and folders, rename/remove, change events, the stored copy and saves.
import { describe, expect, it, vi } from 'vitest';
import { Project, type ProjectChange } from './project.svelte.ts';
import { MemoryProjectStore } from './project-store.ts';

const EXAMPLE = { Dockerfile: 'FROM node\n', 'index.js': 'hi\n' };

function changes(project: Project): ProjectChange[] {
  const seen: ProjectChange[] = [];
  project.onChange((c) => seen.push(c));
  return seen;
}

describe('Project', () => {
  it('starts from the example when nothing is stored, opening the Dockerfile', async () => {
    const project = new Project({ store: new MemoryProjectStore(), example: EXAMPLE });
    await project.loaded;
    expect(Object.fromEntries(project.files)).toEqual(EXAMPLE);
    expect(project.openPath).toBe('Dockerfile');
    expect(project.openContent).toBe('FROM node\n');
  });

  it('loads the stored copy, and a reset before the load finishes wins over it', async () => {
    const stored = { files: { 'a.txt': 'saved' }, folders: ['empty'], open: 'a.txt' };
    const project = new Project({ store: new MemoryProjectStore(stored), example: EXAMPLE });
    await project.loaded;
    expect(project.snapshot()).toEqual(stored);

    const early = new Project({ store: new MemoryProjectStore(stored), example: EXAMPLE });
    early.reset({ 'lesson.txt': 'lesson' });
    await early.loaded;
    expect([...early.files.keys()]).toEqual(['lesson.txt']);
  });

  it('lists folders before files, with implied and explicit folders', async () => {
    const project = new Project();
    await project.loaded;
    project.reset({ 'b.txt': '', 'src/z.js': '', 'src/lib/a.js': '', 'a.txt': '' });
    project.createFolder('docs');
    expect(project.entries.map((e) => `${'  '.repeat(e.depth)}${e.name}${e.folder ? '/' : ''}`)).toEqual([
      'docs/',
      'src/',
      '  lib/',
      '    a.js',
      '  z.js',
      'a.txt',
      'b.txt',
    ]);
  });

  it('creates, renames and removes files and folders, telling listeners and keeping the open file', async () => {
    const project = new Project();
    await project.loaded;
    const seen = changes(project);
    project.createFile('./src//app.js', 'x');
    expect(() => project.createFile('src/app.js')).toThrow('already exists');
    expect(() => project.write('../etc/passwd', '')).toThrow('".."');
    project.open('src/app.js');
    project.rename('src', 'lib');
    expect(project.openPath).toBe('lib/app.js');
    expect(Object.fromEntries(project.files)).toEqual({ 'lib/app.js': 'x' });
    project.rename('lib/app.js', 'main.js');
    expect(project.openPath).toBe('main.js');
    project.remove('main.js');
    expect(project.openPath).toBeNull();
    expect(seen).toEqual([
      { kind: 'write', path: 'src/app.js', origin: 'editor' },
      { kind: 'remove', path: 'src', origin: 'editor' },
      { kind: 'write', path: 'lib/app.js', origin: 'editor' },
      { kind: 'remove', path: 'lib/app.js', origin: 'editor' },
      { kind: 'write', path: 'main.js', origin: 'editor' },
      { kind: 'remove', path: 'main.js', origin: 'editor' },
    ]);
  });

  it('refuses to put a file where a folder is and the other way round', async () => {
    const project = new Project();
    await project.loaded;
    project.reset({ 'src/a.js': '' });
    expect(() => project.write('src', 'x')).toThrow('is a folder');
    expect(() => project.createFolder('src/a.js/deeper')).toThrow('is a file');
    expect(() => project.rename('src', 'src/inner')).toThrow('into itself');
  });

  it('open() asks the pane to show itself', async () => {
    const project = new Project();
    await project.loaded;
    project.reset({ 'a.txt': '' });
    const before = project.revealRequests;
    project.open('a.txt');
    expect(project.revealRequests).toBe(before + 1);
    expect(() => project.open('missing.txt')).toThrow('No such file');
  });

  it('saves coalesced changes, and keeps the files when saving fails', async () => {
    vi.useFakeTimers();
    try {
      const store = new MemoryProjectStore();
      const project = new Project({ store, example: EXAMPLE, saveDelayMs: 100 });
      await project.loaded;
      project.write('Dockerfile', 'FROM a\n');
      project.write('Dockerfile', 'FROM b\n');
      await vi.advanceTimersByTimeAsync(150);
      expect(store.saves).toBe(1);
      expect(store.saved?.files['Dockerfile']).toBe('FROM b\n');

      store.save = () => Promise.reject(new Error('quota exceeded'));
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      project.write('Dockerfile', 'FROM c\n');
      await vi.advanceTimersByTimeAsync(150);
      expect(project.saveError).toContain('quota exceeded');
      expect(project.read('Dockerfile')).toBe('FROM c\n');
      warn.mockRestore();
    } finally {
      vi.useRealTimers();
    }
  });

  it('resetToExample brings the example back', async () => {
    const project = new Project({ example: EXAMPLE });
    await project.loaded;
    project.write('Dockerfile', 'broken');
    project.createFile('extra.txt');
    project.resetToExample();
    expect(Object.fromEntries(project.files)).toEqual(EXAMPLE);
  });
});
