// The trainer's table from learners' progress files: rows by learner, columns by step, groups by pack, bad files named.
import { describe, expect, it } from 'vitest';
import { workshopTable } from './workshop-table.ts';

const PACK = 'https://trainer.example/packs/sample/';
const file = (name: string, body: object) => ({ name, text: JSON.stringify({ format: 'drydock-progress', version: 1, ...body }) });

describe('workshop table', () => {
  it('gives learner x step for a pack, by name or by file name, with where each one is', () => {
    const table = workshopTable([
      file('drydock-progress-bob.json', { pack: PACK, lessons: { '01-hello-pack': { done: [1], step: 2, completed: false } } }),
      file('x.json', { pack: PACK, learner: 'Ada', lessons: { '01-hello-pack': { done: [1, 2], step: 3, completed: true } } }),
      { name: 'notes.json', text: '{"hello":1}' },
    ]);
    expect(table.refused).toEqual([{ file: 'notes.json', message: 'The file is not a drydock progress export' }]);
    expect(table.tables).toHaveLength(1);
    const [t] = table.tables;
    expect(t?.pack).toBe(PACK);
    expect(t?.columns.map((c) => `${c.lesson}/${c.step}`)).toEqual(['01-hello-pack/1', '01-hello-pack/2']);
    expect(t?.rows.map((r) => [r.learner, r.cells, r.done])).toEqual([
      ['Ada', ['done', 'done'], 2],
      ['bob', ['done', 'here'], 1],
    ]);
  });

  it("uses the known lessons' step counts and keeps the app's course apart from a pack's", () => {
    const table = workshopTable(
      [file('a.json', { lessons: { '01-why-containers': { done: [2], step: 3, completed: false } } }), file('b.json', { pack: PACK, lessons: {} })],
      (pack) => (pack === undefined ? [{ id: '01-why-containers', title: 'Why', steps: 5 }] : []),
    );
    expect(table.tables.map((t) => [t.pack, t.columns.length, t.rows.map((r) => r.cells.join(','))])).toEqual([
      [undefined, 5, [',done,here,,']],
      [PACK, 0, ['']],
    ]);
  });
});
