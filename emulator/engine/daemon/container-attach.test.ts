import { describe, expect, it } from 'vitest';
import { demultiplex } from '../containers/logs-api.ts';
import type { GuestProcess } from '../runtime/guest-exec.ts';
import { AttachHub, attachBody } from './container-attach.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const all = async (body: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(body).arrayBuffer());

describe('AttachHub and attachBody', () => {
  it('frames each chunk as it comes without a tty (stderr apart), and ends with the run', async () => {
    const hub = new AttachHub();
    const body = attachBody({ tty: false, stdout: true, stderr: true }, (l) => hub.listen('c', l));
    hub.output('c', 'stdout', bytes('# '));
    hub.output('c', 'stderr', bytes('oops\n'));
    hub.end('c');
    hub.output('c', 'stdout', bytes('after the end\n'));
    const frames = demultiplex(await all(body)).map((f) => [f.stream, text(f.data)]);
    expect(frames).toEqual([['stdout', '# '], ['stderr', 'oops\n']]);
    expect(hub.attached('c')).toBe(false);
  });

  it('with a tty the bytes go raw; a stream not asked for is left out; logs come first', async () => {
    const hub = new AttachHub();
    const body = attachBody({ tty: true, stdout: true, stderr: false, before: [bytes('old\n')] }, (l) => hub.listen('c', l));
    hub.output('c', 'stdout', bytes('new\n'));
    hub.output('c', 'stderr', bytes('hidden\n'));
    hub.end('c');
    expect(text(await all(body))).toBe('old\nnew\n');
  });

  it('a client that goes away stops listening and is told', async () => {
    const hub = new AttachHub();
    let gone = false;
    const body = attachBody({ tty: true, stdout: true, stderr: true }, (l) => hub.listen('c', l), () => (gone = true));
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
