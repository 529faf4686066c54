// Unit tests for the lab's message validation and origin checks: what a host may send, what the lab may answer.
import { describe, expect, it } from 'vitest';
import { envelope, isAllowedOrigin, MAX_COMMAND_LENGTH, MAX_FILE_BYTES, normaliseOrigin, parseHostRequest, parseLabMessage } from './lab-protocol.ts';

const request = (fields: Record<string, unknown>) => ({ api: 'drydock-lab', version: 1, id: 1, ...fields });

describe('parseHostRequest', () => {
  it('takes the three requests', () => {
    expect(parseHostRequest(request({ type: 'run', command: 'docker run hello-world' }))).toEqual({ ok: true, value: { type: 'run', id: 1, command: 'docker run hello-world' } });
    expect(parseHostRequest(request({ type: 'write-file', id: 'a', path: 'src/app.py', text: 'print(1)\n' }))).toEqual({
      ok: true,
      value: { type: 'write-file', id: 'a', path: 'src/app.py', text: 'print(1)\n' },
    });
    expect(parseHostRequest(request({ type: 'read-terminal' }))).toEqual({ ok: true, value: { type: 'read-terminal', id: 1 } });
  });

  it('leaves other traffic alone (null: not ours, no answer)', () => {
    for (const data of [null, 'run', 42, [], {}, { type: 'run', command: 'ls' }, { api: 'other', version: 1 }]) expect(parseHostRequest(data)).toBeNull();
  });

  it('keeps only the fields it knows (extra fields cannot ride along)', () => {
    const parsed = parseHostRequest(request({ type: 'run', command: 'ls', keys: '\x03', html: '<img onerror=x>' }));
    expect(parsed).toEqual({ ok: true, value: { type: 'run', id: 1, command: 'ls' } });
  });

  it.each([
    [{ version: 2, type: 'run', command: 'ls' }, 'unsupported API version 2'],
    [{ id: { x: 1 }, type: 'run', command: 'ls' }, 'id: expected'],
    [{ id: 1.5, type: 'run', command: 'ls' }, 'id: expected'],
    [{ type: 'exec', command: 'ls' }, 'type: unknown request "exec"'],
    [{ type: 'run' }, 'command: expected a string'],
    [{ type: 'run', command: '   ' }, 'command: empty command'],
    [{ type: 'run', command: 'ls\rrm -rf /' }, 'command: control character U+000D at column 3'],
    [{ type: 'run', command: 'ls\nid' }, 'control character U+000A'],
    [{ type: 'run', command: 'echo \x1b[31m' }, 'control character U+001B'],
    [{ type: 'run', command: 'x'.repeat(MAX_COMMAND_LENGTH + 1) }, `longer than ${MAX_COMMAND_LENGTH}`],
    [{ type: 'write-file', path: '/etc/passwd', text: '' }, 'is absolute'],
    [{ type: 'write-file', path: '../x', text: '' }, 'plain names'],
    [{ type: 'write-file', path: 'a//b', text: '' }, 'plain names'],
    [{ type: 'write-file', path: 'a\\b', text: '' }, 'backslash'],
    [{ type: 'write-file', path: 'a', text: 7 }, 'text: expected a string'],
    [{ type: 'write-file', path: 'a', text: 'é'.repeat(MAX_FILE_BYTES / 2 + 1) }, 'larger than 256 KiB'],
  ])('refuses %j with a reason', (fields, reason) => {
    const parsed = parseHostRequest(request(fields));
    expect(parsed?.ok).toBe(false);
    expect(parsed && !parsed.ok && parsed.error).toContain(reason);
  });
});

describe('parseLabMessage', () => {
  it('takes replies and events in their envelope', () => {
    expect(parseLabMessage(envelope({ type: 'reply', id: 3, ok: true, text: 'screen' }))).toEqual({ ok: true, value: { type: 'reply', id: 3, ok: true, text: 'screen' } });
    expect(parseLabMessage(envelope({ type: 'reply', id: 3, ok: false, error: 'no' }))).toEqual({ ok: true, value: { type: 'reply', id: 3, ok: false, error: 'no' } });
    expect(parseLabMessage(envelope({ type: 'ready' }))).toEqual({ ok: true, value: { type: 'ready' } });
    expect(parseLabMessage(envelope({ type: 'exit', id: null, command: 'ls' }))).toEqual({ ok: true, value: { type: 'exit', id: null, command: 'ls' } });
  });

  it('refuses malformed ones', () => {
    expect(parseLabMessage(envelope({ type: 'reply', id: 3, ok: 'yes' }))).toMatchObject({ ok: false });
    expect(parseLabMessage(envelope({ type: 'reply', id: 3, ok: true, text: 5 }))).toMatchObject({ ok: false });
    expect(parseLabMessage(envelope({ type: 'exit', id: null }))).toMatchObject({ ok: false });
    expect(parseLabMessage(envelope({ type: 'boom' }))).toMatchObject({ ok: false, error: 'type: unknown message "boom"' });
    expect(parseLabMessage({ type: 'ready' })).toBeNull();
  });
});

describe('origins', () => {
  it('normalises an origin and refuses anything that is not one', () => {
    expect(normaliseOrigin('https://docs.example.com')).toBe('https://docs.example.com');
    expect(normaliseOrigin('https://docs.example.com/')).toBe('https://docs.example.com');
    expect(normaliseOrigin('http://localhost:8080')).toBe('http://localhost:8080');
    for (const bad of ['https://docs.example.com/guide', '*', 'https://*.example.com', 'null', 'file:///x', 'javascript:alert(1)', 'docs.example.com', '']) {
      expect(normaliseOrigin(bad), bad).toBeNull();
    }
  });

  it('allows exact matches only, never the opaque origin', () => {
    const list = ['https://docs.example.com'];
    expect(isAllowedOrigin('https://docs.example.com', list)).toBe(true);
    expect(isAllowedOrigin('http://docs.example.com', list)).toBe(false);
    expect(isAllowedOrigin('https://docs.example.com:8443', list)).toBe(false);
    expect(isAllowedOrigin('https://evil.docs.example.com', list)).toBe(false);
    expect(isAllowedOrigin('https://docs.example.com.evil.test', list)).toBe(false);
    expect(isAllowedOrigin('null', ['null'])).toBe(false);
    expect(isAllowedOrigin('https://docs.example.com', [])).toBe(false);
  });
});
