import { describe, expect, it } from 'vitest';
import { AppUpdate } from './app-update.svelte.ts';

/** A registration whose new worker goes installing -> installed (waiting), as a new deployment's does. */
class FakeRegistration extends EventTarget {
  installing: FakeWorker | null = null;
  waiting: FakeWorker | null = null;
  deploy(): FakeWorker {
    const worker = new FakeWorker();
    this.installing = worker;
    this.dispatchEvent(new Event('updatefound'));
    this.installing = null;
    this.waiting = worker;
    worker.dispatchEvent(new Event('statechange'));
    return worker;
  }
}

class FakeWorker extends EventTarget {
  readonly sent: unknown[] = [];
  postMessage(message: unknown): void {
    this.sent.push(message);
  }
}

function container(registration: FakeRegistration) {
  const target = new EventTarget() as EventTarget & { ready: Promise<FakeRegistration> };
  target.ready = Promise.resolve(registration);
  return target;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('AppUpdate (the page side of a new deployment)', () => {
  it('offers a worker that waits, and reloads only after it took over at the learner\'s request', async () => {
    const registration = new FakeRegistration();
    const sw = container(registration);
    let reloads = 0;
    const update = new AppUpdate(() => reloads++);
    const stop = update.start(sw as unknown as ServiceWorkerContainer);
    await settle();
    expect(update.available).toBe(false);

    const worker = registration.deploy();
    expect(update.available).toBe(true);
    // another tab's update taking over does not reload this one
    sw.dispatchEvent(new Event('controllerchange'));
    expect(reloads).toBe(0);

    update.reload();
    expect(worker.sent).toEqual([{ type: 'drydock:skip-waiting' }]);
    sw.dispatchEvent(new Event('controllerchange'));
    expect(reloads).toBe(1);
    stop();
  });

  it('offers a version that was already waiting when the page loaded', async () => {
    const registration = new FakeRegistration();
    registration.waiting = new FakeWorker();
    const update = new AppUpdate(() => undefined);
    update.start(container(registration) as unknown as ServiceWorkerContainer);
    await settle();
    expect(update.available).toBe(true);
  });

  it('does nothing where there is no service worker', () => {
    const update = new AppUpdate(() => undefined);
    update.start(undefined)();
    update.reload();
    expect(update.available).toBe(false);
  });
});
