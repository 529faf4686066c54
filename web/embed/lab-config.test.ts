// Unit tests for the lab's start config (lab.html's URL fragment) and the element's text clean-up.
import { describe, expect, it } from 'vitest';
import { dedent, encodeLabConfig, parseLabConfig } from './lab-config.ts';

describe('parseLabConfig', () => {
  it('reads back what the element encodes', () => {
    const config = { commands: ['docker run hello-world', 'ls'], files: [{ path: 'Dockerfile', text: 'FROM busybox\n' }], origins: ['https://docs.example.com'] };
    expect(parseLabConfig(`#${encodeLabConfig(config)}`)).toEqual({ ok: true, value: config });
  });

  it('starts an empty lab without a fragment, the API off', () => {
    expect(parseLabConfig('')).toEqual({ ok: true, value: { commands: [], files: [], origins: [] } });
  });

  it.each([
    ['%7Bnot json', 'not JSON'],
    [encodeURIComponent('[]'), 'must be a JSON object'],
    [encodeURIComponent('{"command":["ls"]}'), 'unknown field "command"'],
    [encodeURIComponent('{"commands":"ls"}'), 'commands: expected a list'],
    [encodeURIComponent('{"commands":["ls\\u0003"]}'), 'commands[0]: control character U+0003'],
    [encodeURIComponent('{"files":[{"path":"../etc/passwd","text":""}]}'), 'files[0].path'],
    [encodeURIComponent('{"files":[{"path":"a","text":""},{"path":"a","text":""}]}'), 'files[1].path: "a" given twice'],
    [encodeURIComponent('{"origins":["*"]}'), 'origins[0]: "*" is not an http(s) origin'],
    [encodeURIComponent('{"origins":["https://docs.example.com/path"]}'), 'origins[0]'],
  ])('refuses %s with a reason', (hash, reason) => {
    const parsed = parseLabConfig(hash);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(reason);
  });
});

describe('dedent', () => {
  it('drops the first line break and the common indentation, ends with one newline', () => {
    expect(dedent('\n      FROM busybox\n        RUN true\n      CMD ["sh"]\n    ')).toBe('FROM busybox\n  RUN true\nCMD ["sh"]\n');
    expect(dedent('echo hi')).toBe('echo hi\n');
  });
});
