// The virtio port transport against a stand-in for v86's device: how host bytes fill the guest's receive buffers.
import { describe, expect, it } from 'vitest';
import { keepOnlyPortZeroConsole, virtioPortTransport } from './virtio-port.ts';

/** A receive queue whose guest has posted `posted` buffers of `size` bytes. */
function fakeQueue(size: number) {
  const filled: number[][] = [];
  let posted = 0;
  let flushes = 0;
  return {
    filled,
    post: (n: number) => (posted += n),
    get flushes() {
      return flushes;
    },
    is_configured: () => true,
    has_request: () => posted > 0,
    pop_request() {
      posted--;
      const bytes: number[] = [];
      filled.push(bytes);
      return {
        length_writable: size,
        set_next_blob(blob: Uint8Array) {
          bytes.push(...blob);
          return blob.length;
        },
      };
    },
    push_reply: () => undefined,
    flush_replies: () => void flushes++,
  };
}

function fakeEmulator(queue: ReturnType<typeof fakeQueue>) {
  const listeners = new Map<string, (value: never) => void>();
  const events: [number, number, number][] = [];
  const consoleDevice = {
    virtio: { queues: [queue, queue, queue, queue, queue] },
    SendEvent: (port: number, event: number, value: number) => void events.push([port, event, value]),
  };
  return {
    events,
    emit: (event: string, value: Uint8Array) => listeners.get(event)?.(value as never),
    v86: { cpu: { devices: { virtio_console: consoleDevice } } },
    add_listener: (event: string, listener: (value: never) => void) => void listeners.set(event, listener),
    remove_listener: (event: string) => void listeners.delete(event),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('virtioPortTransport', () => {
  it('fills each posted buffer to the brim across sends, and keeps the rest until the guest posts more', async () => {
    const queue = fakeQueue(4);
    const transport = virtioPortTransport(fakeEmulator(queue), 1);
    queue.post(2);
    transport.send(Uint8Array.of(1, 2, 3));
    transport.send(Uint8Array.of(4, 5, 6, 7, 8, 9, 10, 11));
    await tick();
    expect(queue.filled).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(queue.flushes).toBe(1);
    queue.post(3);
    await tick();
    expect(queue.filled.slice(2)).toEqual([[9, 10, 11]]);
    transport.dispose();
  });

  it('forgets unsent bytes on discardPending (a restore replaced the guest)', async () => {
    const queue = fakeQueue(4);
    const transport = virtioPortTransport(fakeEmulator(queue), 1);
    transport.send(Uint8Array.of(1, 2, 3));
    await tick();
    transport.discardPending();
    queue.post(1);
    await tick();
    expect(queue.filled).toEqual([]);
    transport.dispose();
  });

  it('hands the guest\'s output on after the CPU slice, in one chunk', async () => {
    const queue = fakeQueue(4);
    const emulator = fakeEmulator(queue);
    const transport = virtioPortTransport(emulator, 1);
    const got: number[][] = [];
    transport.onBytes((bytes) => got.push([...bytes]));
    emulator.emit('virtio-console1-output-bytes', Uint8Array.of(1, 2));
    emulator.emit('virtio-console1-output-bytes', Uint8Array.of(3));
    emulator.emit('virtio-console2-output-bytes', Uint8Array.of(9));
    expect(got).toEqual([]);
    await tick();
    expect(got).toEqual([[1, 2, 3]]);
    transport.dispose();
  });
});

describe('keepOnlyPortZeroConsole', () => {
  it('lets port 0 become a console and passes every other message on', () => {
    const emulator = fakeEmulator(fakeQueue(4));
    keepOnlyPortZeroConsole(emulator);
    const device = emulator.v86.cpu.devices.virtio_console;
    device.SendEvent(0, 4, 1);
    device.SendEvent(1, 4, 1);
    device.SendEvent(1, 7, 1);
    device.SendEvent(1, 6, 1);
    expect(emulator.events).toEqual([[0, 4, 1], [1, 7, 1], [1, 6, 1]]);
  });
});
