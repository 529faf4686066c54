// The scripted student in Node: every lesson (or LESSON=04-layers, or the fixture lesson when lessons/ is empty) in
// a real guest: starting state, then for each step the check is red, the step is done as written, the check is green.
// Also measures "Reset lesson" (checkpoint restore). `LESSON=04-layers npm run lessons:try` runs one lesson;
// LESSON_CONSOLE=1 also prints what the terminal shows after each step.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../../emulator/node-backends/engine-in-guest.ts';
import { evaluateChecks } from '../../web/course/check-evaluator.ts';
import { buildCourse, formatProblem } from '../../web/course/course-validate.ts';
import { readLessonSources, registryImages } from '../../web/course/lesson-sources-node.ts';
import { LESSONS_IN_THE_PAGE } from '../course-split.ts';
import { prepareLesson, startStudentMachine, stepFiles, stepShell, type StudentMachine } from './lesson-student-node.ts';

const REPO = resolve(import.meta.dirname, '../..');
const wanted = process.env['LESSON'];
const fixtures = buildCourse(readLessonSources(resolve(REPO, 'test/fixtures/lessons'), 'test/fixtures/lessons'));
const course = buildCourse(readLessonSources(resolve(REPO, 'lessons')), { images: registryImages(PUBLIC_DIR) });
// By default the fixture and every lesson Chromium does not take (test/course-split.ts); LESSON=all or LESSON=<id>.
const all = [...fixtures.lessons, ...course.lessons];
const lessons =
  wanted === undefined
    ? [...fixtures.lessons, ...course.lessons.filter((l) => !LESSONS_IN_THE_PAGE.includes(l.id))]
    : wanted === 'all'
      ? course.lessons
      : all.filter((l) => wanted.split(',').includes(l.id));
const built = existsSync(resolve(PUBLIC_DIR, 'registry/v2/busybox'));

describe.skipIf(!built)('scripted student (Node, real guest)', () => {
  let student: StudentMachine;
  beforeAll(async () => {
    student = await startStudentMachine();
  }, 180_000);
  afterAll(async () => {
    await student?.stop();
  });

  it('finds the lesson(s) asked for, without problems', () => {
    expect([...fixtures.problems, ...course.problems].map(formatProblem)).toEqual([]);
    expect(lessons.length, `LESSON=${wanted} matches no lesson (have: ${all.map((l) => l.id).join(', ')})`).toBeGreaterThan(0);
  });

  for (const lesson of lessons) {
    it(`${lesson.id}: every check is red before its step and green after it`, { timeout: 30 * 60_000 }, async () => {
      const log = (m: string) => console.log(`[${lesson.id}] ${m}`);
      const machine = student.machine;
      // A fresh machine for every lesson, as the app gives a lesson without `continues`.
      await student.guest.emulator.restart();
      await machine.exec(['sh', '-c', 'mkdir -p /mnt/host/work && { [ -e /root/app ] || ln -s /mnt/host/work /root/app; }']);
      let t = performance.now();
      await prepareLesson(lesson, all, machine, log);
      log(`starting state ready in ${Math.round(performance.now() - t)} ms`);
      const checkpoint = await student.guest.emulator.saveCheckpoint();

      for (const [index, step] of lesson.steps.entries()) {
        const where = `${lesson.file}:${step.line} step ${step.number} "${step.title}"`;
        if (step.checks.length > 0) {
          const before = await evaluateChecks(step.checks, machine);
          expect(before.ok, `${where}: the check must be red before the step is done, but it already passes: ${before.outcomes.map((o) => o.detail).join('; ')}`).toBe(false);
        }
        // Each decoy (a wrong attempt that looks like the step) from the step's start: the check stays red.
        if (step.decoys.length > 0) {
          const stepStart = await student.guest.emulator.saveCheckpoint();
          for (const decoy of step.decoys) {
            log(`step ${step.number}: decoy ${JSON.stringify(decoy.code)}`);
            await student.type(decoy.code);
            const fooled = await evaluateChecks(step.checks, machine);
            expect(fooled.ok, `${lesson.file}:${decoy.line}: step ${step.number}'s check passes after the decoy, which does not do the step`).toBe(false);
            await student.guest.emulator.restoreCheckpoint(stepStart);
          }
        }
        const files = stepFiles(step);
        if (Object.keys(files).length > 0) {
          log(`step ${step.number}: writing ${Object.keys(files).join(', ')}`);
          await machine.writeProjectFiles(files, { replace: false });
        }
        for (const shell of stepShell(step)) {
          log(`step ${step.number}: typing ${JSON.stringify(shell)}`);
          await student.type(shell);
          // LESSON_CONSOLE=1: what the learner's terminal shows, to write a lesson's example outputs from.
          if (process.env['LESSON_CONSOLE']) log(`step ${step.number}: the terminal shows:\n${student.recentConsole(50_000)}`);
        }
        if (step.checks.length > 0) {
          t = performance.now();
          const after = await student.waitForChecks(lesson, index);
          const failed = after.outcomes.filter((o) => !o.ok).map((o) => `line ${o.check.line}: ${o.detail}`);
          expect(after.ok, `${where}: the check stayed red after doing the step:\n  ${failed.join('\n  ')}\nconsole:\n${student.recentConsole()}`).toBe(true);
          log(`step ${step.number}: green after ${Math.round(performance.now() - t)} ms`);
        }
      }

      // "Reset lesson": the machine and the engine go back to the starting state together.
      const first = lesson.steps.find((s) => s.checks.length > 0);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        await student.guest.emulator.restoreCheckpoint(checkpoint);
        times.push(Math.round(performance.now() - t));
      }
      log(`[timing] reset lesson (checkpoint restore, Node): ${times.join(', ')} ms`);
      if (first) {
        const reset = await evaluateChecks(first.checks, machine);
        expect(reset.ok, `after "Reset lesson" the first checked step (${first.title}) is red again`).toBe(false);
      }
    });
  }
});
