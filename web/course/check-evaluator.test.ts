// The check evaluator against a fake machine: exit codes, regexes, engine answers for images, containers and diffs.
import { describe, expect, it } from 'vitest';
import { evaluateChecks, type CheckMachine } from './check-evaluator.ts';
import { parseCheckBlock } from './check-schema.ts';
import { typeLines } from './terminal-typing.ts';

const machine: CheckMachine = {
  async exec(argv) {
    const script = argv[2] ?? '';
    if (script === 'docker ps') return { exitCode: 0, stdout: 'web  Exited (0) 3 seconds ago\n', stderr: '' };
    if (script === 'false') return { exitCode: 1, stdout: '', stderr: 'nope\n' };
    return { exitCode: 127, stdout: '', stderr: `sh: ${script}: not found\n` };
  },
  async engine(method, path) {
    const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
    if (path === '/images/app%3A1/json') return json(200, { RootFS: { Layers: ['a', 'b', 'c'] } });
    if (path === '/containers/web/json') return json(200, { State: { Status: 'exited', ExitCode: 137, OOMKilled: true } });
    if (path === '/containers/web/changes') return json(200, [{ Path: '/tmp', Kind: 0 }, { Path: '/tmp/x', Kind: 1 }]);
    return json(404, { message: `No such object: ${method} ${path}` });
  },
};

const checks = (yaml: string) => {
  const parsed = parseCheckBlock(yaml, 'x.md', 1);
  expect(parsed.problems).toEqual([]);
  return parsed.checks;
};

describe('evaluateChecks', () => {
  it('passes when every check holds', async () => {
    const result = await evaluateChecks(
      checks(
        '- run: docker ps\n  stdout: Exited \\(0\\)\n- run: "false"\n  exit: 1\n- image: app:1\n  layers: 3\n- container: web\n  status: exited\n  exitCode: 137\n  oomKilled: true\n- diff: web\n  path: /tmp/x\n  kind: A\n- image: gone\n  absent: true\n',
      ),
      machine,
    );
    expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('says why a check is red', async () => {
    const result = await evaluateChecks(
      checks('- run: docker ps\n  stdout: Up\n- run: "false"\n- image: app:1\n  layers: 5\n- container: web\n  status: running\n- diff: web\n  path: /tmp\n  kind: A\n- container: nothere\n'),
      machine,
    );
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => o.detail)).toEqual([
      '`docker ps` printed "web  Exited (0) 3 seconds ago\\n", which does not match /Up/',
      '`false` exited 1, expected 0: nope',
      'image app:1 has 3 layers, expected 5',
      'container web is exited, expected running',
      '/tmp is C, expected A',
      'no container nothere (No such object: GET /containers/nothere/json)',
    ]);
  });
});

describe('typeLines', () => {
  it('types each line after the prompt came back', async () => {
    const typed: string[] = [];
    let screen = '/ # ';
    const terminal = {
      input(text: string) {
        typed.push(text);
        if (text.endsWith('\r')) {
          screen = `/ # ${text.trim()}`;
          // the command finishes a little later and the prompt returns
          setTimeout(() => (screen = '/ # '), 30);
        }
      },
      cursorLine: () => screen,
    };
    await typeLines(terminal, 'echo one\necho two', { pollMs: 5 });
    expect(typed).toEqual(['\x15', 'echo one\r', 'echo two\r']);
  });
});
