// A lesson pack's course keeps its own progress: its own storage key, its routes carry the pack, its export says
// which pack, and neither course imports the other's progress file.
import { describe, expect, it } from 'vitest';
import { CourseState } from './course.svelte.ts';
import type { LessonHost } from './lesson-session.svelte.ts';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

// No lesson is opened here, so the host is never called.
const host = {} as LessonHost;
const course = { lessons: [], problems: [] };
const PACK = 'https://trainer.example/packs/sample/';

describe('a pack course', () => {
  it("stores progress under the pack's own key and never reads the app's", () => {
    const storage = new MemoryStorage();
    storage.setItem('drydock:course-progress', JSON.stringify({ format: 'drydock-progress', version: 1, lessons: { '01-hello-pack': { done: [1, 2], step: 3, completed: true } } }));
    const pack = new CourseState({ course, host, storage, pack: { source: PACK, base: PACK, title: 'Sample pack' } });
    expect(pack.progress.lessons).toEqual({});
    pack.markDone('01-hello-pack', 1);
    expect(JSON.parse(storage.getItem(`drydock:pack-progress:${PACK}`) ?? '{}').lessons).toEqual({ '01-hello-pack': { done: [1], step: 1, completed: false } });
    expect(JSON.parse(storage.getItem('drydock:course-progress') ?? '{}').lessons['01-hello-pack'].done).toEqual([1, 2]);
    expect(pack.href({ kind: 'lesson', id: '01-hello-pack', step: 2 })).toBe(`#/pack=${PACK}!/lesson/01-hello-pack/2`);
    expect(pack.markdown?.lessonHref('01-hello-pack', 2)).toBe(`#/pack=${PACK}!/lesson/01-hello-pack/2`);
  });

  it('exports with the pack and the name, and each course refuses the other one’s file', () => {
    const storage = new MemoryStorage();
    const pack = new CourseState({ course, host, storage, pack: { source: PACK, base: PACK, title: 'Sample pack' } });
    const app = new CourseState({ course, host, storage });
    pack.setLearner(' Ada ');
    pack.markDone('01-hello-pack', 1);
    const exported = JSON.parse(pack.exportProgress());
    expect(exported).toMatchObject({ learner: 'Ada', pack: PACK, lessons: { '01-hello-pack': { done: [1] } } });
    app.importProgress(pack.exportProgress());
    expect(app.importError).toBe(`This progress is from the lesson pack ${PACK}`);
    expect(app.progress.lessons).toEqual({});
    pack.importProgress(app.exportProgress());
    expect(pack.importError).toBe("This progress is the app's course's, not this pack's");
    expect(app.markdown).toBeUndefined();
  });
});
