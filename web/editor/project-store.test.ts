// Unit tests for the IndexedDB project store (against fake-indexeddb, an in-memory IndexedDB).
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IndexedDbProjectStore } from './project-store.ts';

describe('IndexedDbProjectStore', () => {
  it('has nothing at first, then gives back what was saved, across instances', async () => {
    const factory = new IDBFactory();
    expect(await new IndexedDbProjectStore(factory).load()).toBeNull();
    const snapshot = { files: { Dockerfile: 'FROM node\n', 'src/a.js': '' }, folders: ['empty'], open: 'Dockerfile' };
    await new IndexedDbProjectStore(factory).save(snapshot);
    expect(await new IndexedDbProjectStore(factory).load()).toEqual(snapshot);
  });

  it('ignores a record of the wrong shape', async () => {
    const factory = new IDBFactory();
    const store = new IndexedDbProjectStore(factory);
    await store.save({ files: { a: 1 }, folders: [], open: null } as never);
    expect(await store.load()).toBeNull();
  });
});
