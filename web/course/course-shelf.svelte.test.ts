// The column's course follows the hash: a pack URL fetched and opened as its own course, a refused pack's problems
// kept for the bar, `#/course` back to the app's course; a pack from a file is gone after a reload.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CourseShelf } from './course-shelf.svelte.ts';
import { CourseState } from './course.svelte.ts';
import type { LessonHost } from './lesson-session.svelte.ts';

const SAMPLE = resolve(import.meta.dirname, '../../lessons/packs/sample');
const BASE = 'https://trainer.example/packs/sample/';
const host = {} as LessonHost;

const fetchSample = (async (input: URL | RequestInfo) => {
  const path = String(input).slice(BASE.length);
  if (!String(input).startsWith(BASE) || !['pack.json', '01-hello-pack/lesson.md'].includes(path)) return new Response('', { status: 404, statusText: 'Not Found' });
  return new Response(readFileSync(resolve(SAMPLE, path)));
}) as typeof fetch;

function shelf() {
  const main = new CourseState({ course: { lessons: [], problems: [] }, host });
  return {
    main,
    shelf: new CourseShelf({
      main,
      openPack: (pack) => new CourseState({ course: pack.course, host, pack: { source: pack.source, base: pack.source, title: pack.title } }),
      registryImages: async () => ['busybox'],
      fetch: fetchSample,
    }),
  };
}

describe('course shelf', () => {
  it('opens a pack URL as its own course and goes back to the app course on #/course', async () => {
    const { main, shelf: s } = shelf();
    await s.navigate(`#/pack=${BASE}`);
    expect(s.pack?.state).toBe('open');
    expect(s.course).not.toBe(main);
    expect(s.course.pack).toBe(BASE);
    expect(s.course.lessons.map((l) => l.id)).toEqual(['01-hello-pack']);
    expect(s.course.route).toEqual({ kind: 'course', pack: BASE });
    await s.navigate('#/course');
    expect(s.pack).toBeNull();
    expect(s.course).toBe(main);
  });

  it('keeps a refused pack’s located problems, and asks for a file again after a reload', async () => {
    const { shelf: s } = shelf();
    await s.navigate('#/pack=https://trainer.example/packs/missing/');
    expect(s.pack).toEqual({
      state: 'failed',
      source: 'https://trainer.example/packs/missing/',
      problems: [{ file: 'https://trainer.example/packs/missing/pack.json', line: 1, field: 'fetch', message: 'the host answered 404 Not Found' }],
    });
    await s.navigate('#/pack=file:day1.tar.gz');
    expect(s.pack?.state === 'failed' && s.pack.problems[0]?.message).toMatch(/open the file again/);
    await expect(s.openFile('junk.tar', new TextEncoder().encode('not a tar'))).rejects.toThrow(/junk\.tar/);
  });
});
