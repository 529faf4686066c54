// Messages between the port service worker (port-sw.ts) and a page of the app that hosts a machine (port-bridge.ts).
import type { PortHttpRequest } from '../../emulator/protocol.ts';

/** Service worker -> page, with a MessagePort for the answer (ports[0]). */
export interface PortRequestMessage {
  type: 'drydock:port-request';
  request: PortHttpRequest;
}

/** Page -> service worker on that port, before the machine's worker answers on the same port. */
export type BridgeMessage =
  /** the page has (or is starting) a machine and handed the request to it */
  | { type: 'accepted' }
  /** no machine here: the service worker asks another page */
  | { type: 'declined'; reason: string };
