import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_FACTS } from '../engine/api/system-info.ts';
import type { EngineHost } from '../engine/engine-host.ts';
import { EngineLink, type EngineContext } from './engine-link.ts';
import type { Machine } from './machine.ts';

/** A machine whose agent answers every exec with exit 1 (so facts are Docker's defaults), counting them. */
function fakeMachine() {
  const execs: string[][] = [];
  const agent = { exec: async (argv: string[]) => (execs.push(argv), { exitCode: 1, stdout: new Uint8Array(), stderr: new Uint8Array() }) };
  return { machine: { agent } as unknown as Machine, execs };
}

function fakeHost() {
  return { cli: () => undefined, dispose: vi.fn() } as unknown as EngineHost & { dispose: ReturnType<typeof vi.fn> };
}

describe('EngineLink', () => {
  it('opens the engine once, with the first guest base URL', async () => {
    const host = fakeHost();
    const contexts: EngineContext[] = [];
    const link = new EngineLink(async (c) => (contexts.push(c), host), () => null);
    link.open('/guest/');
    link.open('/other/');
    expect(contexts.map((c) => c.guestBaseUrl)).toEqual(['/guest/']);
    expect(await link.host()).toBe(host);
  });

  it('asks the running guest for its facts once per boot: detach (the guest went away) asks again', async () => {
    const { machine, execs } = fakeMachine();
    let context!: EngineContext;
    const link = new EngineLink(async (c) => ((context = c), fakeHost()), () => machine);
    link.open('/guest/');
    expect(await context.system()).toEqual(DEFAULT_FACTS);
    await context.system();
    expect(execs).toHaveLength(1);
    link.detach();
    await context.system();
    expect(execs).toHaveLength(2);
  });

  it('gives no guest between boots, when the machine has no agent', async () => {
    let context!: EngineContext;
    const between = {
      get agent(): never {
        throw new Error('the machine is still starting');
      },
      get share(): never {
        throw new Error('the machine is still starting');
      },
    } as unknown as Machine;
    const link = new EngineLink(async (c) => ((context = c), fakeHost()), () => between);
    link.open('/guest/');
    expect(context.guest()).toBeUndefined();
    expect(context.guestFs()).toBeUndefined();
  });

  it('an engine that fails to open: no host, the reason logged once; the machine side goes on', async () => {
    const log: string[] = [];
    const link = new EngineLink(async () => Promise.reject(new Error('no storage')), () => null, (l) => log.push(l));
    link.open('/guest/');
    expect(await link.host()).toBeNull();
    await vi.waitFor(() => expect(log).toEqual(['docker: the container engine could not start: no storage']));
  });

  it('close disposes the engine once and the next open makes another; reopen replaces it on the same base URL', async () => {
    const hosts = [fakeHost(), fakeHost(), fakeHost()];
    const urls: string[] = [];
    let n = 0;
    const link = new EngineLink(async (c) => (urls.push(c.guestBaseUrl), hosts[n++]!), () => null);
    link.open('/guest/');
    await link.host();
    link.close();
    link.close();
    await vi.waitFor(() => expect(hosts[0]!.dispose).toHaveBeenCalledTimes(1));
    expect(await link.host()).toBeNull();
    link.open('/next/');
    expect(await link.host()).toBe(hosts[1]);
    link.reopen();
    expect(await link.host()).toBe(hosts[2]);
    expect(urls).toEqual(['/guest/', '/next/', '/next/']);
    expect(hosts[0]!.dispose).toHaveBeenCalledTimes(1);
  });
});
