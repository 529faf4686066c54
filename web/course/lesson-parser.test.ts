// The lesson parser and course validation against the fixture lesson and broken lessons (file:line errors).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCourse, formatProblem } from './course-validate.ts';
import { parseLesson, type LessonSource } from './lesson-parser.ts';
import { readLessonSources } from './lesson-sources-node.ts';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/lessons');

const source = (text: string, extra: Partial<LessonSource> = {}): LessonSource => ({ folder: '07-broken', file: 'lessons/07-broken/lesson.md', text, ...extra });
const allProblemsOf = (text: string, extra: Partial<LessonSource> = {}) => parseLesson(source(text, extra)).problems.map(formatProblem);
/** Without the missing check/hint problems, which the tests about other problems would all repeat. */
const problemsOf = (text: string, extra: Partial<LessonSource> = {}) =>
  allProblemsOf(text, extra).filter((p) => !/: (hint: step \d+ has a check but no hint|check: step \d+ has a run or editor block but no check)/.test(p));
const HEAD = '---\ntitle: T\nsummary: S\nminutes: 5\n---\n';

describe('lesson parser', () => {
  it('parses the fixture lesson: front matter, steps, blocks, checks, recap', () => {
    const course = buildCourse(readLessonSources(FIXTURES, 'test/fixtures/lessons'), { images: ['busybox'] });
    expect(course.problems.map(formatProblem)).toEqual([]);
    const [lesson] = course.lessons;
    expect(lesson?.id).toBe('01-fixture');
    expect(lesson?.start).toEqual({ images: ['busybox'], files: true, setup: ['mkdir -p /tmp/fixture && echo ready > /tmp/fixture/state'] });
    expect(lesson?.files).toEqual({ 'README.txt': "the fixture's starting project\n" });
    expect(lesson?.intro).toContain('This lesson exists');
    expect(lesson?.steps.map((s) => [s.number, s.title, s.line])).toEqual([
      [1, 'Run a container', 14],
      [2, 'Write a file', 35],
      [3, 'Challenge: Create a file in a container', 58],
    ]);
    const [one, two, three] = lesson!.steps;
    expect(one?.parts.find((p) => p.kind === 'run')).toMatchObject({ code: 'docker run --name fx-one busybox echo fixture-one', line: 18 });
    expect(one?.checks).toEqual([
      { kind: 'container', container: 'fx-one', status: 'exited', exitCode: 0, message: 'There is no stopped container fx-one yet: press Run above.', line: 23 },
      { kind: 'run', run: 'docker logs fx-one', exit: 0, stdout: '^fixture-one$', line: 27 },
    ]);
    expect(one?.hint).toBe('Press **Run** above, or type the command.');
    expect(two?.parts.find((p) => p.kind === 'editor')).toMatchObject({ file: 'note.txt', code: 'written by step two\n', lang: 'text' });
    expect(three?.checks).toEqual([{ kind: 'diff', container: 'fx-two', path: '/made-here', diffKind: 'A', line: 63 }]);
    expect(three?.solution).toBe('docker run --name fx-two busybox touch /made-here');
    expect(lesson?.recap).toMatch(/^You ran a container/);
  });

  it('reads an inspect block as a button opening an Inspect view on an object, and refuses an unknown view', () => {
    const text = `${HEAD}## A\n\n\`\`\`inspect view=layers focus=python\nOpen the layers view\n\`\`\`\n`;
    const { lesson, problems } = parseLesson(source(text));
    expect(problems).toEqual([]);
    expect(lesson?.steps[0]?.parts).toContainEqual({ kind: 'inspect', view: 'layers', focus: 'python', label: 'Open the layers view', line: 8 });
    const processes = parseLesson(source(`${HEAD}## A\n\n\`\`\`inspect view=processes focus=ns\nOpen the processes view\n\`\`\`\n`));
    expect(processes.lesson?.steps[0]?.parts).toContainEqual({ kind: 'inspect', view: 'processes', focus: 'ns', label: 'Open the processes view', line: 8 });
    expect(problemsOf(`${HEAD}## A\n\`\`\`inspect view=volumes size=big\n\n\`\`\`\n`)).toEqual([
      'lessons/07-broken/lesson.md:7: inspect.view: view="volumes" is not an Inspect view (layers, container, processes, cgroups, network)',
      'lessons/07-broken/lesson.md:7: inspect: unknown attribute "size=" (view= and focus= have a meaning)',
      "lessons/07-broken/lesson.md:7: inspect: is empty: its text is the button's label",
    ]);
    expect(problemsOf(`${HEAD}intro\n\`\`\`inspect view=layers\nOpen\n\`\`\`\n## A\n`)).toEqual([
      'lessons/07-broken/lesson.md:7: inspect: an inspect block belongs inside a step (after a ## heading), not in the intro',
    ]);
  });

  it('reports unknown and missing front-matter keys with their line', () => {
    expect(problemsOf('---\ntitle: T\nsumary: S\nminutes: 0\nstart:\n  image: [busybox]\n---\n## A\ntext\n')).toEqual([
      'lessons/07-broken/lesson.md:3: sumary: unknown front-matter key (allowed: title, summary, minutes, continues, start, build, unchecked)',
      'lessons/07-broken/lesson.md:1: summary: is required',
      'lessons/07-broken/lesson.md:4: minutes: must be a positive integer',
      'lessons/07-broken/lesson.md:6: start.image: unknown key (allowed: images, files, setup)',
    ]);
  });

  it("reads the Build button's tag from build.tag and refuses what docker build -t would not take", () => {
    const lesson = parseLesson(source('---\ntitle: T\nsummary: S\nminutes: 5\nbuild: { tag: helloworld:0.1 }\n---\n## A\ntext\n')).lesson;
    expect(lesson?.build).toEqual({ tag: 'helloworld:0.1' });
    expect(parseLesson(source(`${HEAD}## A\n`)).lesson?.build).toBeUndefined();
    for (const tag of ['app', 'localhost:5000/team/app:v1.2-rc', 'registry.example.com/a_b/c:latest']) {
      expect(problemsOf(`---\ntitle: T\nsummary: S\nminutes: 5\nbuild:\n  tag: ${tag}\n---\n## A\n`), tag).toEqual([]);
    }
    expect(problemsOf('---\ntitle: T\nsummary: S\nminutes: 5\nbuild:\n  tag: Hello:1\n  context: .\n---\n## A\n')).toEqual([
      'lessons/07-broken/lesson.md:7: build.context: unknown key (allowed: tag)',
      'lessons/07-broken/lesson.md:6: build.tag: must be an image name for docker build -t, such as helloworld:0.1 (lowercase name, optional :tag), not "Hello:1"',
    ]);
    expect(problemsOf('---\ntitle: T\nsummary: S\nminutes: 5\nbuild: helloworld\n---\n## A\n')).toEqual([
      'lessons/07-broken/lesson.md:5: build: must be a mapping such as `build: { tag: helloworld:0.1 }`',
    ]);
    expect(problemsOf('---\ntitle: T\nsummary: S\nminutes: 5\nbuild: {}\n---\n## A\n')).toEqual(['lessons/07-broken/lesson.md:5: build.tag: is required']);
  });

  it('reports YAML syntax errors and a missing front matter', () => {
    expect(problemsOf('# no front matter\n')).toEqual(['lessons/07-broken/lesson.md:1: front matter: lesson.md must start with YAML front matter between --- lines']);
    const yamlProblems = problemsOf('---\ntitle: [unclosed\nsummary: S\n---\n## A\n');
    expect(yamlProblems[0]).toMatch(/^lessons\/07-broken\/lesson\.md:\d+: front matter: YAML: /);
  });

  it('reports bad checks: unknown keys, invalid regexes, bad statuses, with the check line', () => {
    const text = `${HEAD}\n## Step one\n\n\`\`\`sh run\ntrue\n\`\`\`\n\n\`\`\`check\n- run: ls\n  stdout: (unclosed\n- container: web\n  status: sleeping\n- imag: x\n- diff: web\n\`\`\`\n`;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/^lessons\/07-broken\/lesson\.md:14: check\[0\]\.stdout: invalid regular expression: /),
      'lessons/07-broken/lesson.md:16: check[1].status: must be one of created, running, paused, restarting, exited, dead',
      'lessons/07-broken/lesson.md:18: check[2]: needs one of run, image, container, diff',
      'lessons/07-broken/lesson.md:19: check[3].path: is required',
    ]);
  });

  it('refuses special blocks outside steps, unsafe editor paths, a second check block and a missing files/ folder', () => {
    const text = `---\ntitle: T\nsummary: S\nminutes: 5\nstart:\n  files: true\n---\n\`\`\`sh run\nls\n\`\`\`\n## One\n\`\`\`js file=../etc/passwd\nx\n\`\`\`\n\`\`\`check\n- run: true\n\`\`\`\n\`\`\`check\n- run: true\n\`\`\`\n`;
    expect(problemsOf(text)).toEqual([
      'lessons/07-broken/lesson.md:8: sh: a run block belongs inside a step (after a ## heading), not in the intro',
      'lessons/07-broken/lesson.md:12: file: "../etc/passwd" must be a path inside the project (relative, no ..)',
      'lessons/07-broken/lesson.md:18: check: a step has at most one check block',
      'lessons/07-broken/lesson.md:6: start.files: is true but the lesson has no files/ folder (or it is empty)',
    ]);
  });

  it('flags a checked step the scripted student cannot do', () => {
    expect(problemsOf(`${HEAD}## Do it yourself\nWrite a command.\n\`\`\`check\n- run: true\n\`\`\`\n`)).toEqual([
      'lessons/07-broken/lesson.md:6: solution: step 1 has a check but no run block, editor block or solution: the scripted student cannot complete it',
    ]);
  });

  it('asks a step with a run or editor block for a check, and a checked step for a hint, unless unchecked says why', () => {
    const step = (title: string, blocks: string) => `## ${title}\n${blocks}`;
    const run = '```sh run\nls\n```\n';
    const check = '```check\n- run: true\n```\n';
    const hint = '```hint\nTry ls.\n```\n';
    const body = [step('Runs, no check', run), step('Reads only', run), step('Checked, no hint', run + check), step('Complete', run + check + hint)].join('');
    expect(allProblemsOf(`---\ntitle: T\nsummary: S\nminutes: 5\nunchecked:\n  2: it only lists files\n---\n${body}`)).toEqual([
      'lessons/07-broken/lesson.md:8: check: step 1 has a run or editor block but no check: add a check that proves it was done, or say why not in the front matter (`unchecked: { 1: <reason> }`)',
      'lessons/07-broken/lesson.md:16: hint: step 3 has a check but no hint block (what to try while the check stays red)',
    ]);
    expect(allProblemsOf(`---\ntitle: T\nsummary: S\nminutes: 5\nunchecked:\n  1: ''\n  2: it has a check\n  5: no such step\n---\n${step('A', run)}${step('B', run + check + hint)}`)).toEqual([
      'lessons/07-broken/lesson.md:6: unchecked.1: needs the reason the step has no check',
      'lessons/07-broken/lesson.md:10: check: step 1 has a run or editor block but no check: add a check that proves it was done, or say why not in the front matter (`unchecked: { 1: <reason> }`)',
      'lessons/07-broken/lesson.md:7: unchecked.2: step 2 has a check: remove it from unchecked',
      'lessons/07-broken/lesson.md:8: unchecked.5: the lesson has steps 1-2',
    ]);
  });

  it('keeps decoy blocks out of the step text and asks them for a check', () => {
    const lesson = parseLesson(source(`${HEAD}## One\n\`\`\`sh run\nls\n\`\`\`\n\`\`\`check\n- run: true\n\`\`\`\n\`\`\`hint\nh\n\`\`\`\n\`\`\`decoy\nls /\n\`\`\`\n`)).lesson;
    expect(lesson?.steps[0]?.decoys).toEqual([{ code: 'ls /', line: 16 }]);
    expect(lesson?.steps[0]?.parts.map((p) => p.kind)).toEqual(['run']);
    expect(allProblemsOf(`${HEAD}## One\nText.\n\`\`\`decoy\nls /\n\`\`\`\n`)).toEqual(['lessons/07-broken/lesson.md:8: decoy: step 1 has a decoy but no check to stay red']);
  });

  it('reads a `## Challenge:` step and asks it for words only, a check, a hint and a solution, as the last step', () => {
    const ok = `${HEAD}## One\ntext\n## Challenge: Limit it\nRun a container that can use at most 16 MB.\n\`\`\`check\n- container: small\n  oomKilled: true\n\`\`\`\n\`\`\`hint\nh\n\`\`\`\n\`\`\`solution\ndocker run --name small -m 16m busybox true\n\`\`\`\n`;
    const parsed = parseLesson(source(ok));
    expect(parsed.problems.map(formatProblem)).toEqual([]);
    expect(parsed.lesson?.steps.map((s) => [s.title, s.challenge])).toEqual([
      ['One', false],
      ['Challenge: Limit it', true],
    ]);
    expect(allProblemsOf(`${HEAD}## Challenge: Too early\nwords\n\`\`\`sh run\ntrue\n\`\`\`\n## Last\ntext\n`)).toEqual([
      'lessons/07-broken/lesson.md:6: check: step 1 has a run or editor block but no check: add a check that proves it was done, or say why not in the front matter (`unchecked: { 1: <reason> }`)',
      "lessons/07-broken/lesson.md:6: challenge: step 1 (a challenge) must be the lesson's last step",
      'lessons/07-broken/lesson.md:8: challenge: step 1 (a challenge) has a run block: state the task in words and put the commands in a solution block',
      'lessons/07-broken/lesson.md:6: challenge: step 1 (a challenge) needs a check that reads what the learner did',
      'lessons/07-broken/lesson.md:6: challenge: step 1 (a challenge) needs a solution block (shown by "Show solution", run by the scripted student)',
    ]);
  });

  it('asks every lesson from 03 on to end with a challenge', () => {
    const plain = `${HEAD}## One\ntext\n`;
    const problems = buildCourse([
      { folder: '02-a', file: 'lessons/02-a/lesson.md', text: plain },
      { folder: '03-b', file: 'lessons/03-b/lesson.md', text: plain },
    ]).problems.map(formatProblem);
    expect(problems).toEqual([
      'lessons/03-b/lesson.md:6: challenge: every lesson from 03 on ends with a challenge step (`## Challenge: <task>` with a check, a hint and a solution)',
    ]);
  });

  it('validates the course: continues, step links, images, folder names', () => {
    const a = { folder: '01-a', file: 'lessons/01-a/lesson.md', text: `${HEAD}See [two](#/lesson/02-b/3) and [x](#/lesson/09-x/1).\n## One\ntext\n` };
    const b = {
      folder: '02-b',
      file: 'lessons/02-b/lesson.md',
      text: '---\ntitle: T\nsummary: S\nminutes: 5\ncontinues: 03-c\nstart:\n  images: [busybox, alpine]\n---\n## One\ntext\n',
    };
    const c = { folder: '3-c', file: 'lessons/3-c/lesson.md', text: `${HEAD}## One\n` };
    expect(buildCourse([a, b, c], { images: ['busybox', 'debian'] }).problems.map(formatProblem)).toEqual([
      'lessons/3-c/lesson.md:1: folder: the lesson folder must be named NN-slug (two digits, lowercase words joined by -), not "3-c"',
      'lessons/01-a/lesson.md:1: link: #/lesson/02-b/3: 02-b has steps 1-1',
      'lessons/01-a/lesson.md:1: link: #/lesson/09-x/1 points to no lesson ("09-x")',
      'lessons/02-b/lesson.md:2: continues: no lesson "03-c" in lessons/',
      'lessons/02-b/lesson.md:2: start.images: "alpine" is not in the app\'s registry (busybox, debian)',
    ]);
  });
});

describe('check blocks', () => {
  it('take a run or stdout value with ": " in it as written', () => {
    const text = `${HEAD}## One\n\`\`\`sh run\ntrue\n\`\`\`\n\`\`\`check\n- run: grep -q 'Capability bounding set: .*net_raw' /tmp/x\n  stdout: "quoted: still fine"\n- run: echo a: b\n  stdout: ^a: b$\n\`\`\`\n\`\`\`hint\nh\n\`\`\`\n`;
    const parsed = parseLesson(source(text));
    expect(parsed.problems.map(formatProblem)).toEqual([]);
    expect(parsed.lesson?.steps[0]?.checks).toEqual([
      { kind: 'run', run: "grep -q 'Capability bounding set: .*net_raw' /tmp/x", exit: 0, stdout: 'quoted: still fine', line: 11 },
      { kind: 'run', run: 'echo a: b', exit: 0, stdout: '^a: b$', line: 13 },
    ]);
  });
});
