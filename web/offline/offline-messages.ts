// What the page says to the service worker about updates (types only beside a guard; both ends import it).

/** The page's "Reload" on the new-version notice, sent to the waiting worker: take over now. */
export interface SkipWaitingMessage {
  type: 'drydock:skip-waiting';
}

export function isSkipWaiting(data: unknown): data is SkipWaitingMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'drydock:skip-waiting';
}
