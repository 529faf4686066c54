// The daemon's attach (attach.ts, container-attach.ts) without a kernel: clients attached before a start, across a guest change.
import { afterEach, describe, expect, it } from 'vitest';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { daemonFixture, type DaemonFixture } from '../../../test/unit/engine/daemon-fixture.ts';
import { shortRunGuest } from '../../../test/unit/engine/short-run-guest.ts';

let fx: DaemonFixture;
afterEach(() => fx?.dispose());

describe('attached clients', () => {
  it('an attach made before the first start outlives the runtime that start creates (the stock CLI attaches first)', async () => {
    fx = await daemonFixture();
    // never called here: the runtime is only created
    const guest = {} as GuestExec;
    const processes = fx.daemon(() => guest);
    const record = await fx.create('--name', 'hi', 'busybox', 'echo', 'hi');
    const response = processes.attach(record.id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, undefined);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    processes.runtime(); // the first guest: what a start does first
    const state = await Promise.race([reader.read().then((r) => (r.done ? 'ended' : 'data')), new Promise((ok) => setTimeout(() => ok('open'), 20))]);
    expect(state).toBe('open');
    reader.releaseLock();
  });
});

/** An attach body's stdcopy frames, their payloads as text, once it ends. */
async function attachedText(body: ReadableStream<Uint8Array>): Promise<string> {
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  let text = '';
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0);
    text += new TextDecoder().decode(bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return text;
}

describe('attached clients across a guest change', () => {
  it("after a restore's guest was taken over and the machine restarted, an attach made before a start gets the short container's output; a client of what the old guest ran gets its end", async () => {
    fx = await daemonFixture();
    const attach = (id: string) => processes.attach(id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, undefined).body as ReadableStream<Uint8Array>;
    let guest = shortRunGuest('restored\n');
    // the engine opened on a checkpoint's documents (nothing ran then), as "Reset lesson" opens it
    const processes = fx.daemon(() => guest, { adopt: {} });
    // any request (the lesson's check) takes the restored guest over
    await processes.adopted();
    const old = await fx.create('-d', '--name', 'old', 'busybox', 'sleep', '600');
    await fx.containers.markStarted(old.id, 7);
    const oldClient = attachedText(attach(old.id));
    // the machine restarts: the engine has not looked at the new guest yet when `docker run` comes
    guest = shortRunGuest('hi\n');
    const record = await fx.create('--rm', 'busybox', 'echo', 'hi');
    // the docker CLI attaches before it starts
    const client = attachedText(attach(record.id));
    await processes.start(record.id);
    expect(await client).toBe('hi\n');
    expect(await oldClient).toBe('');
  });
});
