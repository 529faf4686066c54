import { describe, expect, it } from 'vitest';
import { expandInstruction } from './expand-instruction.ts';
import { ExpansionError, expandHeredocContent, expandWord, expandWordDetailed, expandWords, unquoteWord } from './expand.ts';
import { parseDockerfile } from './parse.ts';
import type { EnvInstruction, Instruction } from './types.ts';

const env = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '', str: 'foobarbaz' };

describe('expandWord', () => {
  // Expected values follow the Dockerfile reference ("Environment replacement") and POSIX sh quoting.
  const cases: [string, string | Error][] = [
    ['hello', 'hello'],
    ["he'll'o", 'hello'],
    ["he\\'llo", "he'llo"],
    ['abc\\tdef', 'abctdef'],
    ['"abc\\tdef"', 'abc\\tdef'],
    ["'abc\\tdef'", 'abc\\tdef'],
    ['hello\\', 'hello'],
    ['hello\\\\', 'hello\\'],
    ['"hel\'lo"', "hel'lo"],
    ["'hello\\'", 'hello\\'],
    ['$.', '$.'],
    ['he$1x', 'hex'],
    ['he$PWD', 'he/home'],
    ['he\\$PWD', 'he$PWD'],
    ['he\\\\$PWD', 'he\\/home'],
    ['"he\\$PWD"', 'he$PWD'],
    ["'he\\$PWD'", 'he\\$PWD'],
    ['\\${}', '${}'],
    ['he${hi}xx', 'hexx'],
    ['he${PWD}', 'he/home'],
    ['he${XXX:-000}xx', 'he000xx'],
    ['he${PWD:-000}xx', 'he/homexx'],
    ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
    ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
    ['he${PWD?}', 'he/home'],
    ['he${NULL?}', 'he'],
    ['he${NULL:-x}', 'hex'],
    ['he${NULL-x}', 'he'],
    ['he${NULL:+x}', 'he'],
    ['he${NULL+x}', 'hex'],
    ['he${PWD:+${SHELL}}xx', 'hebashxx'],
    ['he${XXX:+000}xx', 'hexx'],
    ["'he${XX}'", 'he${XX}'],
    ['"he\'$PWD\'"', "he'/home'"],
    ["'$PWD'", '$PWD'],
    ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
    ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
    ['안녕$KOREAN', '안녕한국어'],
    ["안'녕'하세요", '안녕하세요'],
    ['${aaa}}', '}'],
    ['${aaa:-bbb {foo}', 'bbb {foo'],
    ['$@@@', '@@'],
    ['${999:-bbb}aaa', 'bbbaaa'],
    // Pattern operators, with the reference's examples.
    ['${str#f*b}', 'arbaz'],
    ['${str##f*b}', 'az'],
    ['${str%b*}', 'foobar'],
    ['${str%%b*}', 'foo'],
    ['${str/ba/fo}', 'fooforbaz'],
    ['${str//ba/fo}', 'fooforfoz'],
    ['${str#x}', 'foobarbaz'],
    ['${str/?/$}', '$oobarbaz'],
    // Errors.
    ["he'llo", new Error('single-quote')],
    ["he\\\\'llo", new Error('single-quote')],
    ['"hello', new Error('double-quote')],
    ['"hello\\"', new Error('double-quote')],
    ['${}', new Error('bad substitution')],
    ['he${.}', new Error('unsupported modifier')],
    ['he${XXX:YYY}', new Error('unsupported modifier')],
    ['he${XXX?}', new Error('XXX: is not allowed to be unset')],
    ['he${NULL:?}', new Error('NULL: is not allowed to be empty')],
    ['he${XXX:?custom message}', new Error('XXX: custom message')],
    ['he${PWD', new Error("missing '}'")],
    ['he${PWD:=000}xx', new Error('unsupported modifier (:=)')],
    ['${aaa:-bbb ${foo}', new Error("missing '}'")],
    ['${str:#x}', new Error('unsupported modifier (:#)')],
  ];
  for (const [word, expected] of cases) {
    it(`${word} -> ${expected instanceof Error ? 'error' : JSON.stringify(expected)}`, () => {
      if (expected instanceof Error) {
        expect(() => expandWord(word, env)).toThrow(ExpansionError);
        expect(() => expandWord(word, env)).toThrow(expected.message);
      } else {
        expect(expandWord(word, env)).toBe(expected);
      }
    });
  }

  it('reports matched and unmatched names (for UndefinedVar)', () => {
    const r = expandWordDetailed('$PWD/${MISSING:-x}/$OTHER', env);
    expect([...r.matched]).toEqual(['PWD']);
    expect([...r.unmatched].sort()).toEqual(['MISSING', 'OTHER']);
  });

  it('accepts a Map or a lookup function as env', () => {
    expect(expandWord('$A-$B', new Map([['A', '1']]))).toBe('1-');
    expect(expandWord('$A', (name) => (name === 'A' ? 'fn' : undefined))).toBe('fn');
  });

  it('does not take inherited object properties as variables', () => {
    expect(expandWord('${constructor:-unset}', {})).toBe('unset');
  });

  it('uses the backtick as escape when the escape directive says so', () => {
    expect(expandWord('c:\\path `$PWD', env, '`')).toBe('c:\\path $PWD');
    expect(expandWord('"a`"b"', env, '`')).toBe('a"b');
  });

  it('wraps errors like BuildKit and gives the offset', () => {
    try {
      expandWord('ab${', env);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExpansionError);
      expect((error as ExpansionError).message).toBe(`failed to process "ab\${": syntax error: missing '}'`);
      expect((error as ExpansionError).offset).toBe(4);
    }
  });
});

describe('expandWords (field splitting after substitution)', () => {
  const vars = { space: 'abc  def', leading: '  ab c', trailing: 'ab c   ' };
  const cases: [string, string[]][] = [
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello there', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello\\" there', ['hello"', 'there']],
    ["hello'$there'", ['hello$there']],
    ['a${x:-b c}d', ['ab', 'cd']],
  ];
  for (const [word, expected] of cases) {
    it(word, () => expect(expandWords(word, vars)).toEqual(expected));
  }
});

describe('unquoteWord', () => {
  it('removes quotes and escapes but keeps variables', () => {
    expect(unquoteWord('"a b" $X ${Y:-z} \\$Z')).toBe('a b $X ${Y:-z} $Z');
  });
});

describe('expandInstruction (the reference examples)', () => {
  const stage = (text: string): Instruction[] => {
    const parsed = parseDockerfile(text);
    expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return parsed.stages[0]!.instructions;
  };

  it('WORKDIR ${FOO}, ADD . $FOO, COPY \\$FOO /quux', () => {
    const [, workdir, add, copy] = stage('FROM busybox\nENV FOO=/bar\nWORKDIR ${FOO}\nADD . $FOO\nCOPY \\$FOO /quux\n');
    const vars = { FOO: '/bar' };
    expect(expandInstruction(workdir!, vars)).toMatchObject({ kind: 'workdir', path: '/bar' });
    expect(expandInstruction(add!, vars)).toMatchObject({ kind: 'add', sources: ['.'], dest: '/bar' });
    expect(expandInstruction(copy!, vars)).toMatchObject({ kind: 'copy', sources: ['$FOO'], dest: '/quux' });
  });

  it('ENV uses the values from before the instruction: def=$abc sees hello', () => {
    const [env] = stage('FROM busybox\nENV abc=bye def=$abc\n');
    const out = expandInstruction(env as EnvInstruction, { abc: 'hello' });
    expect(out.pairs).toEqual([
      { key: 'abc', value: 'bye' },
      { key: 'def', value: 'hello' },
    ]);
  });

  it('unquotes ENV and LABEL values and keys', () => {
    const [env, label] = stage('FROM busybox\nENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog\nLABEL "com.example.vendor"="ACME Incorporated"\n');
    expect(expandInstruction(env!, {})).toMatchObject({ pairs: [{ key: 'MY_NAME', value: 'John Doe' }, { key: 'MY_DOG', value: 'Rex The Dog' }] });
    expect(expandInstruction(label!, {})).toMatchObject({ pairs: [{ key: 'com.example.vendor', value: 'ACME Incorporated' }] });
  });

  it('splits EXPOSE after substitution, expands COPY flags and RUN mounts, leaves RUN/CMD text alone', () => {
    const [expose, copy, run, cmd] = stage(
      'FROM busybox\nEXPOSE $PORTS\nCOPY --from=$STAGE --chown=$U:$U a $DEST\nRUN --mount=type=cache,target=$CACHE echo $HOME\nCMD echo $HOME\n',
    );
    const vars = { PORTS: '80 443/udp', STAGE: 'build', U: 'app', DEST: '/d', CACHE: '/c' };
    expect(expandInstruction(expose!, vars)).toMatchObject({ ports: ['80', '443/udp'] });
    expect(expandInstruction(copy!, vars)).toMatchObject({ from: 'build', chown: 'app:app', dest: '/d' });
    expect(expandInstruction(run!, vars)).toMatchObject({ mounts: ['type=cache,target=/c'], command: 'echo $HOME' });
    expect(expandInstruction(cmd!, vars)).toEqual(cmd);
  });

  it('expands FROM with meta args', () => {
    const parsed = parseDockerfile('ARG VERSION=bookworm\nFROM --platform=$P debian:${VERSION} AS build\n');
    expect(parsed.metaArgs[0]!.args).toEqual([{ name: 'VERSION', defaultValue: 'bookworm' }]);
    expect(expandInstruction(parsed.stages[0]!.from, { VERSION: 'bookworm', P: 'linux/386' })).toMatchObject({
      base: 'debian:bookworm',
      platform: 'linux/386',
      name: 'build',
    });
  });

  it('expands the body of a COPY heredoc with an unquoted delimiter, keeping its quotes; a quoted one stays raw', () => {
    const df = [
      'FROM busybox',
      'COPY <<EOF /dest/c1',
      `Hello \${name} '\${name}' "\${name}"!`,
      'EOF',
      "COPY <<'EOF' /dest/c2",
      'Hello ${name}!',
      'EOF',
      'COPY <<"EOF" <<EOF2 /dest/',
      'Hello ${name}!',
      'EOF',
      '\\\\$name \\$name',
      'EOF2',
      '',
    ].join('\n');
    const [c1, c2, c3] = parseDockerfile(df).stages[0]!.instructions;
    const vars = { name: 'world' };
    expect(expandInstruction(c1!, vars)).toMatchObject({ sources: [], heredocs: [{ name: 'EOF', content: `Hello world 'world' "world"!\n` }] });
    expect(expandInstruction(c2!, vars)).toMatchObject({ heredocs: [{ name: 'EOF', content: 'Hello ${name}!\n' }] });
    expect(expandInstruction(c3!, vars)).toMatchObject({ heredocs: [{ content: 'Hello ${name}!\n' }, { name: 'EOF2', content: '\\world $name\n' }] });
  });
});

describe("expandHeredocContent (BuildKit's testCopyHeredocSpecialSymbols)", () => {
  it('processes escapes and variables, not quotes', () => {
    expect(expandHeredocContent('"quotes in file"\n', {})).toBe('"quotes in file"\n');
    expect(expandHeredocContent('\\\n', {})).toBe('\n');
    expect(expandHeredocContent('\\\\\n', {})).toBe('\\\n');
    expect(expandHeredocContent('\\$\n', {})).toBe('$\n');
    expect(expandHeredocContent("it's ${X:-'a b'}\n", {})).toBe("it's 'a b'\n");
  });
});
