// The page's HTTP exchanges with the guest's ports under way (a few per port at a time, the rest waiting their
// turn): they end when the guest they talk to goes away.
import type { PortHttpRequest } from '../../protocol.ts';
import type { GuestTcpConnection } from '../guest-network.ts';
import { forwardHttp, type ForwardHandle } from './guest-http.ts';
import { PortSlots } from './port-slots.ts';

export class GuestForwards {
  readonly #handles = new Set<ForwardHandle>();
  readonly #slots = new PortSlots();

  /** Forwards `request` once a slot of its port is free; `connector` is asked then, for the guest running at that time. */
  run(request: PortHttpRequest, response: MessagePort, connector: () => (port: number) => GuestTcpConnection): void {
    this.#slots.run(request.port, () => {
      const handle = forwardHttp(connector(), request, response);
      this.#handles.add(handle);
      return handle.done.then(() => void this.#handles.delete(handle));
    });
  }

  /** The guest went away: waiting exchanges are dropped, running ones end with `message` (NO_MACHINE). */
  abortAll(message: string): void {
    this.#slots.clear();
    for (const f of this.#handles) f.abort(message);
    this.#handles.clear();
  }
}
