// What the page tells the emulator worker at creation, in the worker's name: the only channel that needs no
// message, so the worker can start downloading the guest before the page's first postMessage reaches it.
export interface WorkerHint {
  /** absolute URL of the guest directory */
  guestBaseUrl: string;
  coldBoot: boolean;
}

const PREFIX = 'drydock-vm ';

export function workerName(hint: WorkerHint): string {
  return PREFIX + JSON.stringify(hint);
}

export function hintFromWorkerName(name: string): WorkerHint | null {
  if (!name.startsWith(PREFIX)) return null;
  try {
    const hint = JSON.parse(name.slice(PREFIX.length)) as Partial<WorkerHint>;
    return typeof hint.guestBaseUrl === 'string' ? { guestBaseUrl: hint.guestBaseUrl, coldBoot: hint.coldBoot === true } : null;
  } catch {
    return null;
  }
}
