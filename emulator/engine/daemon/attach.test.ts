// The daemon's attach (attach.ts, container-attach.ts) without a kernel: clients attached before a start, across a guest change.
import { afterEach, describe, expect, it } from 'vitest';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { daemonFixture, type DaemonFixture } from '../../../test/unit/engine/daemon-fixture.ts';
import { shortRunGuest } from '../../../test/unit/engine/short-run-guest.ts';
import type { OutputChunk } from './container-attach.ts';

let fx: DaemonFixture;
afterEach(() => fx?.dispose());

describe('attached clients', () => {
  it('an attach made before the first start outlives the runtime that start creates (the stock CLI attaches first)', async () => {
    fx = await daemonFixture();
    // never called here: the runtime is only created
    const guest = {} as GuestExec;
    const processes = fx.daemon(() => guest);
    const record = await fx.create('--name', 'hi', 'busybox', 'echo', 'hi');
    const output = processes.attach(record.id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, undefined);
    const reader = output.chunks.getReader();
    processes.runtime(); // the first guest: what a start does first
    const state = await Promise.race([reader.read().then((r) => (r.done ? 'ended' : 'data')), new Promise((ok) => setTimeout(() => ok('open'), 20))]);
    expect(state).toBe('open');
    reader.releaseLock();
  });
});

/** An attach's output chunks as text, once it ends. */
async function attachedText(chunks: ReadableStream<OutputChunk>): Promise<string> {
  let text = '';
  const reader = chunks.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value.data);
  return text;
}

describe('attached clients across a guest change', () => {
  it("after a restore's guest was taken over and the machine restarted, an attach made before a start gets the short container's output; a client of what the old guest ran gets its end", async () => {
    fx = await daemonFixture();
    const attach = (id: string) => processes.attach(id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, undefined).chunks;
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
