// The routes' HTTP side of the daemon's streams (output-response.ts) against the daemon over a fake guest: the
// content type and framing of attach and exec start, detached exec start, stats as one document or JSON lines.
import { afterEach, describe, expect, it } from 'vitest';
import { daemonFixture, type DaemonFixture } from '../../../test/unit/engine/daemon-fixture.ts';
import { fakeContainerGuest } from '../../../test/unit/engine/fake-container-guest.ts';
import { demultiplex } from '../containers/logs-api.ts';
import { createContainerProcessApi } from './container-process-api.ts';
import { MULTIPLEXED_STREAM, RAW_STREAM } from './hijack.ts';

let fx: DaemonFixture;
afterEach(() => fx?.dispose());

async function setup() {
  fx = await daemonFixture();
  const guest = fakeContainerGuest();
  const daemon = fx.daemon(() => guest);
  const api = createContainerProcessApi(daemon);
  const call = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) };
    const res = await api(new Request(`http://docker/v1.43${path}`, init));
    if (!res) throw new Error(`not routed: ${method} ${path}`);
    return res;
  };
  return { guest, daemon, call };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe('attach and exec start: the output framed by the route', () => {
  it('without a tty: multiplexed, one stdcopy frame per chunk, the body ending with the run', async () => {
    const { guest, daemon, call } = await setup();
    const record = await fx.create('-d', 'busybox', 'sh');
    const res = await call('POST', `/containers/${record.id}/attach?stream=1&stdout=1&stderr=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe(MULTIPLEXED_STREAM);
    await daemon.start(record.id);
    guest.runs[0]!.print('# ');
    guest.runs[0]!.print('hi\n');
    guest.runs[0]!.exit({ exitCode: 0 });
    expect(demultiplex(await bytes(res)).map((f) => [f.stream, text(f.data)])).toEqual([['stdout', '# '], ['stdout', 'hi\n']]);
  });

  it('with a tty: one raw stream', async () => {
    const { guest, daemon, call } = await setup();
    const record = await fx.create('-dt', 'busybox', 'sh');
    const res = await call('POST', `/containers/${record.id}/attach?stream=1&stdout=1&stderr=1`);
    expect(res.headers.get('Content-Type')).toBe(RAW_STREAM);
    await daemon.start(record.id);
    guest.runs[0]!.print('raw\n');
    guest.runs[0]!.exit({ exitCode: 0 });
    expect(text(await bytes(res))).toBe('raw\n');
  });

  it('logs=1 without stream: what the container logged, framed, and nothing more', async () => {
    const { guest, daemon, call } = await setup();
    const record = await fx.create('-d', 'busybox', 'echo', 'before');
    await daemon.start(record.id);
    guest.runs[0]!.print('before\n');
    guest.runs[0]!.exit({ exitCode: 0 });
    await expect.poll(() => fx.containers.get(record.id).state.status).toBe('exited');
    const res = await call('POST', `/containers/${record.id}/attach?logs=1&stdout=1`);
    expect(demultiplex(await bytes(res)).map((f) => text(f.data))).toEqual(['before\n']);
  });

  it('exec start streams the process framed; detached it answers 200 with no body', async () => {
    const { guest, daemon, call } = await setup();
    const record = await fx.create('-d', 'busybox', 'sleep', '600');
    await daemon.start(record.id);
    const { Id } = (await (await call('POST', `/containers/${record.id}/exec`, { Cmd: ['echo', 'x'], AttachStdout: true })).json()) as { Id: string };
    const res = await call('POST', `/exec/${Id}/start`, { Detach: false });
    expect(res.headers.get('Content-Type')).toBe(MULTIPLEXED_STREAM);
    const run = guest.runs.at(-1)!;
    run.print('x\n');
    run.exit({ exitCode: 0 });
    expect(demultiplex(await bytes(res)).map((f) => [f.stream, text(f.data)])).toEqual([['stdout', 'x\n']]);
    const second = (await (await call('POST', `/containers/${record.id}/exec`, { Cmd: ['true'] })).json()) as { Id: string };
    const detached = await call('POST', `/exec/${second.Id}/start`, { Detach: true });
    expect(detached.status).toBe(200);
    expect(detached.body).toBeNull();
    guest.runs.at(-1)!.exit({ exitCode: 0 });
  });
});

describe('stats: one JSON document, or JSON lines', () => {
  it('a container that is not running: stream=false gives its all-zero document; streamed, one line and the end', async () => {
    const { call } = await setup();
    const record = await fx.create('--name', 'idle', 'busybox');
    const once = await call('GET', `/containers/${record.id}/stats?stream=false`);
    expect(once.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(await once.json()).toMatchObject({ id: record.id, name: '/idle' });
    const streamed = await call('GET', `/containers/${record.id}/stats`);
    const lines = (await streamed.text()).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: record.id, name: '/idle' });
  });
});
