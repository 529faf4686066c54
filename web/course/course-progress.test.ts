// Progress import/export and the URL routes.
import { describe, expect, it } from 'vitest';
import { emptyProgress, lessonFraction, parseProgress, serializeProgress } from './course-progress.ts';
import { formatRoute, parseRoute } from './course-route.ts';

describe('course progress', () => {
  it('round-trips through JSON and cleans what it imports', () => {
    const p = emptyProgress();
    p.lessons['04-layers'] = { done: [1, 2], step: 3, completed: false };
    expect(parseProgress(serializeProgress(p))).toEqual(p);
    const messy = JSON.stringify({ format: 'drydock-progress', version: 1, lessons: { '04-layers': { done: [2, 2, -1, 'x', 1], step: 'no' }, 'bad id': {} } });
    expect(parseProgress(messy).lessons).toEqual({ '04-layers': { done: [1, 2], step: 1, completed: false } });
  });

  it('refuses files that are not progress exports', () => {
    expect(() => parseProgress('nope')).toThrow(/not JSON/);
    expect(() => parseProgress('{"lessons":{}}')).toThrow(/not a drydock progress export/);
    expect(() => parseProgress('{"format":"drydock-progress","version":2}')).toThrow(/version 2/);
  });

  it('counts a lesson done by its steps', () => {
    const p = emptyProgress();
    p.lessons['01-a'] = { done: [1, 3], step: 2, completed: false };
    expect(lessonFraction(p, '01-a', 4)).toBe(0.5);
    expect(lessonFraction(p, '02-b', 4)).toBe(0);
  });
});

describe('course routes', () => {
  it('parses and formats lesson and step hashes', () => {
    expect(parseRoute('#/lesson/04-layers/3')).toEqual({ kind: 'lesson', id: '04-layers', step: 3 });
    expect(parseRoute('#/lesson/04-layers')).toEqual({ kind: 'lesson', id: '04-layers', step: 1 });
    expect(parseRoute('')).toEqual({ kind: 'course' });
    expect(parseRoute('#/lesson/../x')).toEqual({ kind: 'course' });
    expect(formatRoute({ kind: 'lesson', id: '04-layers', step: 2 })).toBe('#/lesson/04-layers/2');
  });
});

describe('lesson pack routes and progress', () => {
  it('keeps the pack URL as typed, with an optional lesson after !', () => {
    const url = 'https://trainer.example/packs/k8s-day.tar.gz?v=2&x=1';
    expect(parseRoute(`#/pack=${url}`)).toEqual({ kind: 'course', pack: url });
    expect(parseRoute(`#/pack=${url}!/lesson/01-hello/2`)).toEqual({ kind: 'lesson', id: '01-hello', step: 2, pack: url });
    expect(formatRoute({ kind: 'lesson', id: '01-hello', step: 2, pack: url })).toBe(`#/pack=${url}!/lesson/01-hello/2`);
    expect(formatRoute({ kind: 'course', pack: 'file:day1.tar' })).toBe('#/pack=file:day1.tar');
  });

  it("carries the learner's name and the pack, trimmed and bounded", () => {
    const text = JSON.stringify({ format: 'drydock-progress', version: 1, learner: '  Ada  ', pack: 'https://t.example/p/', lessons: {} });
    expect(parseProgress(text)).toEqual({ format: 'drydock-progress', version: 1, learner: 'Ada', pack: 'https://t.example/p/', lessons: {} });
    expect(parseProgress(JSON.stringify({ format: 'drydock-progress', version: 1, learner: 7, lessons: {} }))).toEqual(emptyProgress());
  });
});
