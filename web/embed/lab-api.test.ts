// Unit tests for the lab's end of the API: who is heard, what is answered, and in which order lines are typed.
import { describe, expect, it } from 'vitest';
import { LabApi, type HostWindow } from './lab-api.ts';

const DOCS = 'https://docs.example.com';

function setup() {
  const sent: { message: unknown; origin: string }[] = [];
  const host: HostWindow = { postMessage: (message, origin) => void sent.push({ message, origin }) };
  const typed: string[] = [];
  const files: string[] = [];
  let finishTyping: (() => void)[] = [];
  const api = new LabApi({
    host,
    origins: [DOCS],
    actions: {
      typeLine: (command) => {
        typed.push(command);
        return new Promise<void>((resolve) => finishTyping.push(resolve));
      },
      writeFile: async (path, text) => void files.push(`${path}=${text}`),
      readTerminal: () => 'root@drydock:~# ',
    },
  });
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  const promptBack = async () => {
    const pending = finishTyping;
    finishTyping = [];
    for (const resolve of pending) resolve();
    await flush();
  };
  return { api, host, sent, typed, files, flush, promptBack };
}

const run = (id: number, command: string) => ({ api: 'drydock-lab', version: 1, type: 'run', id, command });

describe('LabApi', () => {
  it('hears only its parent at an allowed origin, and says nothing to anyone else', async () => {
    const { api, host, sent, typed, flush } = setup();
    api.markReady();
    sent.length = 0;
    api.receive({ data: run(1, 'id'), origin: 'https://evil.test', source: host });
    api.receive({ data: run(2, 'id'), origin: DOCS, source: { postMessage() {} } });
    api.receive({ data: run(3, 'id'), origin: 'null', source: host });
    await flush();
    expect(typed).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('without a parent or an allowlist the API is off', async () => {
    const typed: string[] = [];
    const actions = { typeLine: async (c: string) => void typed.push(c), writeFile: async () => {}, readTerminal: () => '' };
    const host = { postMessage() {} };
    const offA = new LabApi({ host: null, origins: [DOCS], actions });
    const offB = new LabApi({ host, origins: [], actions });
    offA.markReady();
    offB.markReady();
    offA.receive({ data: run(1, 'id'), origin: DOCS, source: null });
    offB.receive({ data: run(1, 'id'), origin: DOCS, source: host });
    await new Promise((r) => setTimeout(r, 0));
    expect(typed).toEqual([]);
  });

  it('answers a bad request with the reason, to the sender only', async () => {
    const { api, host, sent, typed } = setup();
    api.markReady();
    sent.length = 0;
    api.receive({ data: run(7, 'ls\x03'), origin: DOCS, source: host });
    expect(typed).toEqual([]);
    expect(sent).toEqual([{ origin: DOCS, message: expect.objectContaining({ api: 'drydock-lab', type: 'reply', id: 7, ok: false, error: expect.stringContaining('U+0003') }) }]);
  });

  it('refuses requests until ready, then types lines one at a time in order and reports each exit', async () => {
    const { api, host, sent, typed, flush, promptBack } = setup();
    api.receive({ data: run(1, 'early'), origin: DOCS, source: host });
    await flush();
    expect(sent.at(-1)?.message).toMatchObject({ type: 'reply', id: 1, ok: false, error: expect.stringContaining('still starting') });
    api.markReady();
    expect(sent.at(-1)).toEqual({ origin: DOCS, message: { api: 'drydock-lab', version: 1, type: 'ready' } });
    api.receive({ data: run(2, 'first'), origin: DOCS, source: host });
    api.receive({ data: run(3, 'second'), origin: DOCS, source: host });
    await flush();
    expect(typed).toEqual(['first']); // the second waits for the first's prompt
    await promptBack();
    expect(typed).toEqual(['first', 'second']);
    await promptBack();
    const exits = sent.map((s) => s.message).filter((m) => (m as { type: string }).type === 'exit');
    expect(exits).toEqual([
      { api: 'drydock-lab', version: 1, type: 'exit', id: 2, command: 'first' },
      { api: 'drydock-lab', version: 1, type: 'exit', id: 3, command: 'second' },
    ]);
  });

  it('writes files and reads the terminal for the host', async () => {
    const { api, host, sent, files, flush } = setup();
    api.markReady();
    api.receive({ data: { api: 'drydock-lab', version: 1, type: 'write-file', id: 'w', path: 'app/main.py', text: 'print(1)' }, origin: DOCS, source: host });
    api.receive({ data: { api: 'drydock-lab', version: 1, type: 'read-terminal', id: 'r' }, origin: DOCS, source: host });
    await flush();
    expect(files).toEqual(['app/main.py=print(1)']);
    expect(sent.map((s) => s.message)).toContainEqual({ api: 'drydock-lab', version: 1, type: 'reply', id: 'w', ok: true });
    expect(sent.map((s) => s.message)).toContainEqual({ api: 'drydock-lab', version: 1, type: 'reply', id: 'r', ok: true, text: 'root@drydock:~# ' });
  });
});
