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

describe('reasons for the learner', () => {
  it('reads like a sentence, with the technical detail kept beside it', async () => {
    const result = await evaluateChecks(
      checks(
        "- run: docker ps\n  stdout: Up\n- run: \"false\"\n- image: app:1\n  layers: 5\n- container: web\n  status: running\n- diff: web\n  path: /tmp\n  kind: A\n- container: nothere\n- image: nothere\n- run: docker ps -a --filter name=^web$ --format '{{.Status}}' --no-trunc\n  stdout: ^Exited\n",
      ),
      machine,
    );
    expect(result.outcomes.map((o) => o.reason)).toEqual([
      'the output of `docker ps` does not show what this step makes yet',
      '`false` does not succeed yet',
      'the image app:1 is not yet the one this step builds (it has 3 layers, not 5)',
      'the container web is exited, not running yet',
      'the container web has no added file /tmp yet',
      'there is no container nothere yet',
      'there is no image nothere yet',
      // a long command is shortened in the reason; the detail has all of it
      '`docker ps -a --filter name=^web$ --format \'{{.S…` does not succeed yet',
    ]);
    expect(result.outcomes[0]!.detail).toBe('`docker ps` printed "web  Exited (0) 3 seconds ago\\n", which does not match /Up/');
    expect(result.outcomes.at(-1)!.detail).toContain("--format '{{.Status}}' --no-trunc");
  });

  it("uses the item's own message while it fails, and says what passed once it passes", async () => {
    const result = await evaluateChecks(
      checks('- run: docker ps\n  stdout: Up\n  message: Start the web server with docker run -d: it keeps running\n- run: docker ps\n  message: never shown\n'),
      machine,
    );
    expect(result.outcomes.map((o) => [o.ok, o.reason])).toEqual([
      [false, 'Start the web server with docker run -d: it keeps running'],
      [true, '`docker ps` succeeds'],
    ]);
    expect(result.outcomes[0]!.detail).toContain('does not match /Up/');
  });
});

describe('check schema: message', () => {
  it('is a non-empty string on any kind of item', () => {
    const bad = parseCheckBlock('- image: x\n  message: 3\n- diff: web\n  path: /a\n  message: ""\n', 'x.md', 10);
    expect(bad.problems.map((p) => `${p.line}: ${p.field}: ${p.message}`)).toEqual([
      '10: check[0].message: must be a non-empty string (what the learner reads while this item fails)',
      '12: check[1].message: must be a non-empty string (what the learner reads while this item fails)',
    ]);
    expect(checks('- container: web\n  message: Make a container named web.\n')[0]).toMatchObject({ kind: 'container', message: 'Make a container named web.' });
    // taken as written, even starting with a backtick (reserved in YAML) or holding ": "
    expect(checks('- image: app:1\n  message: `docker build -t app:1 .` makes it: try the Build button\n')[0]).toMatchObject({
      message: '`docker build -t app:1 .` makes it: try the Build button',
    });
    expect(checks("- image: app:1\n  message: `docker images` lists it, 'quoted' too\n")[0]).toMatchObject({ message: "`docker images` lists it, 'quoted' too" });
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

  it('waits for the prompt on a later row when the terminal counts line feeds (the echo of the typing may come late)', async () => {
    let row = 0;
    let screen = '/ # ';
    const terminal = {
      input(text: string) {
        if (!text.endsWith('\r')) return;
        // nothing echoed for a while: the old prompt stays on the cursor's line, then the output and a new prompt
        setTimeout(() => {
          row += 2;
          screen = '/ # ';
        }, 60);
      },
      cursorLine: () => screen,
      lineFeeds: () => row,
    };
    const started = Date.now();
    await typeLines(terminal, 'sleep 1', { pollMs: 5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(row).toBe(2);
  });
});
