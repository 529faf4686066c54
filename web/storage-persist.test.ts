import { afterEach, describe, expect, it, vi } from 'vitest';
import { forgetAsked, keepStorage } from './storage-persist.ts';

describe('keepStorage', () => {
  afterEach(() => forgetAsked());

  it('asks once, only when the storage is not persistent yet', async () => {
    const storage = { persisted: vi.fn(async () => false), persist: vi.fn(async () => true) };
    expect(await keepStorage(storage)).toBe(true);
    expect(await keepStorage(storage)).toBe(true);
    expect(storage.persist).toHaveBeenCalledTimes(1);

    forgetAsked();
    const already = { persisted: vi.fn(async () => true), persist: vi.fn(async () => true) };
    expect(await keepStorage(already)).toBe(true);
    expect(already.persist).not.toHaveBeenCalled();
  });

  it('says false, without throwing, where the browser refuses or has no StorageManager', async () => {
    const refusing = { persisted: async () => false, persist: async () => Promise.reject(new Error('denied')) };
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await keepStorage(refusing)).toBe(false);
    forgetAsked();
    expect(await keepStorage({} as Parameters<typeof keepStorage>[0])).toBe(false);
  });
});
