// The page's side of updates: a new deployment's service worker installs in the background and waits; this notices
// it and, when the learner chooses, lets it take over and reloads, so the page never mixes two versions.
import type { SkipWaitingMessage } from './offline-messages.ts';

export class AppUpdate {
  /** A new version is installed and waits for this page to reload into it. */
  available = $state(false);
  #waiting: ServiceWorker | null = null;
  #reloading = false;
  readonly #reload: () => void;

  constructor(reload: () => void = () => globalThis.location.reload()) {
    this.#reload = reload;
  }

  /** Watches this page's service worker registration (port-bridge.ts registers it). Returns the disposer. */
  start(container: ServiceWorkerContainer | undefined = globalThis.navigator?.serviceWorker): () => void {
    if (!container) return () => undefined;
    let stopped = false;
    let stopWatching = () => undefined as void;
    const onControllerChange = () => {
      // Only the tab whose learner chose to reload goes: another tab keeps running the code it has loaded.
      if (this.#reloading) this.#reload();
    };
    container.addEventListener('controllerchange', onControllerChange);
    void container.ready.then((registration) => {
      if (stopped) return;
      const seen = () => {
        if (!registration.waiting) return;
        this.#waiting = registration.waiting;
        this.available = true;
      };
      const onUpdateFound = () => registration.installing?.addEventListener('statechange', seen);
      registration.addEventListener('updatefound', onUpdateFound);
      stopWatching = () => registration.removeEventListener('updatefound', onUpdateFound);
      seen();
    });
    return () => {
      stopped = true;
      stopWatching();
      container.removeEventListener('controllerchange', onControllerChange);
    };
  }

  /** The learner's "Reload": the waiting version takes over, then the page reloads into it (on controllerchange). */
  reload(): void {
    if (!this.#waiting) return;
    this.#reloading = true;
    const message: SkipWaitingMessage = { type: 'drydock:skip-waiting' };
    this.#waiting.postMessage(message);
  }
}
