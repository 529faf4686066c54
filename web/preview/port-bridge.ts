// The page's side of the port service worker (port-sw.ts): registers it at the app's base, and hands the requests it
// sends here to this tab's machine, whose worker answers the service worker directly on the request's MessagePort.
import type { MachineState } from '../machine.svelte.ts';
import type { BridgeMessage, PortRequestMessage } from './port-bridge-messages.ts';

/** How long a request waits for a machine that is starting (a reload, a restart) before it is declined. */
const STARTING_WAIT_MS = 60_000;
/** How long the registration waits for the first boot (it registers then whatever the boot's outcome). */
const BOOT_FIRST_MS = 120_000;

export type PortWorkerState = { state: 'registering' } | { state: 'ready' } | { state: 'unavailable'; reason: string };

/** Registers the service worker and serves its requests; resolves once it controls previews (or cannot). */
export async function startPortBridge(machine: MachineState, base: string): Promise<PortWorkerState> {
  const container = globalThis.navigator?.serviceWorker;
  if (!container) {
    const reason =
      globalThis.isSecureContext === false
        ? 'they need a service worker, which browsers allow only on pages served over HTTPS or from localhost'
        : 'they need a service worker, which this browser does not give this page (a private window?)';
    return { state: 'unavailable', reason };
  }
  container.addEventListener('message', (event: MessageEvent<PortRequestMessage>) => {
    if (event.data?.type !== 'drydock:port-request' || !event.ports[0]) return;
    void serve(machine, event.data, event.ports[0]);
  });
  // Messages sent before the listener was added wait until this.
  container.startMessages();
  // After the machine's first boot: a first install precaches the whole build for offline use (~21 MB), which must
  // not share the learner's bandwidth with the guest the prompt waits for. Previews need a running machine anyway.
  await machine.whenReady(BOOT_FIRST_MS);
  try {
    await container.register(new URL('port-sw.js', base), { scope: new URL('./', base).pathname, updateViaCache: 'none' });
    await container.ready;
    return { state: 'ready' };
  } catch (error) {
    return { state: 'unavailable', reason: `the preview's service worker did not start: ${(error as Error).message}` };
  }
}

async function serve(machine: MachineState, message: PortRequestMessage, port: MessagePort): Promise<void> {
  const reply = (m: BridgeMessage) => port.postMessage(m);
  if (machine.status !== 'ready') {
    if (machine.status === 'failed' || machine.status === 'idle') {
      reply({ type: 'declined', reason: `the machine in this tab is ${machine.status === 'failed' ? 'not running (it failed to start)' : 'not started'}` });
      port.close();
      return;
    }
    // Starting or restarting: the request waits for it (bounded), the service worker waits for the answer.
    reply({ type: 'accepted' });
    if (!(await machine.whenReady(STARTING_WAIT_MS))) {
      port.postMessage({ type: 'error', code: 'NO_MACHINE', status: 503, message: 'the machine in the drydock tab did not become ready' });
      port.close();
      return;
    }
  } else {
    reply({ type: 'accepted' });
  }
  try {
    await machine.forwardHttp(message.request, port);
  } catch (error) {
    port.postMessage({ type: 'error', code: 'NO_MACHINE', status: 503, message: `the machine could not take the request: ${(error as Error).message}` });
    port.close();
  }
}
