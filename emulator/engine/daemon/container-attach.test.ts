import { describe, expect, it } from 'vitest';
import type { GuestProcess } from '../runtime/guest-exec.ts';
import { AttachHub, attachOutput, type OutputChunk } from './container-attach.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const all = async (chunks: ReadableStream<OutputChunk>) => {
  const out: [string, string][] = [];
  const reader = chunks.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push([r.value.stream, text(r.value.data)]);
  return out;
};

describe('AttachHub and attachOutput', () => {
  it('gives each chunk as it comes (stderr apart), and ends with the run', async () => {
    const hub = new AttachHub();
    const body = attachOutput({ stdout: true, stderr: true }, (l) => hub.listen('c', l));
    hub.output('c', 'stdout', bytes('# '));
    hub.output('c', 'stderr', bytes('oops\n'));
    hub.end('c');
    hub.output('c', 'stdout', bytes('after the end\n'));
    expect(await all(body)).toEqual([['stdout', '# '], ['stderr', 'oops\n']]);
    expect(hub.attached('c')).toBe(false);
  });

  it('a stream not asked for is left out; logs come first', async () => {
    const hub = new AttachHub();
    const body = attachOutput({ stdout: true, stderr: false, before: [{ stream: 'stdout', data: bytes('old\n') }] }, (l) => hub.listen('c', l));
    hub.output('c', 'stdout', bytes('new\n'));
    hub.output('c', 'stderr', bytes('hidden\n'));
    hub.end('c');
    expect(await all(body)).toEqual([['stdout', 'old\n'], ['stdout', 'new\n']]);
  });

  it('a client that goes away stops listening and is told', async () => {
    const hub = new AttachHub();
    let gone = false;
    const body = attachOutput({ stdout: true, stderr: true }, (l) => hub.listen('c', l), () => (gone = true));
    expect(hub.attached('c')).toBe(true);
    await body.cancel();
    expect(hub.attached('c')).toBe(false);
    expect(gone).toBe(true);
  });

  it('stdin writers wait for the run to start, and get nothing when it ends first', async () => {
    const hub = new AttachHub();
    const proc = { started: Promise.resolve(1), exit: new Promise(() => {}), kill() {} } as GuestProcess;
    const waiting = hub.stdin('c', { wait: true });
    expect(await hub.stdin('c', { wait: false })).toBeUndefined();
    hub.started('c', proc);
    expect(await waiting).toBe(proc);
    hub.end('c');
    const next = hub.stdin('c', { wait: true });
    hub.end('c');
    expect(await next).toBeUndefined();
  });
});
