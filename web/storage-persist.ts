// Asks the browser to keep this origin's storage (pulled images in OPFS, the offline cache, lesson progress) under
// storage pressure instead of evicting it. Asked once the learner has something to lose (a lesson step done), not
// at first visit: Firefox shows a prompt for it; Chromium decides by itself from how the site is used.

/** The part of StorageManager this needs (absent in old browsers and some embedded views). */
type PersistentStorage = Pick<StorageManager, 'persisted' | 'persist'>;

let asked: Promise<boolean> | null = null;

/** True when the storage is (now) persistent; asks at most once per page. Never throws. */
export function keepStorage(storage: PersistentStorage | undefined = globalThis.navigator?.storage): Promise<boolean> {
  if (!storage?.persist || !storage.persisted) return Promise.resolve(false);
  asked ??= storage
    .persisted()
    .then((already) => already || storage.persist())
    .catch((error: unknown) => {
      console.warn('Could not ask for persistent storage:', error);
      return false;
    });
  return asked;
}

/** For tests: forget that it was asked. */
export function forgetAsked(): void {
  asked = null;
}
