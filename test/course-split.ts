// Which lessons `npm test` runs where: each lesson once, so the course fits CI's time. Chromium (test/e2e/course.spec.ts)
// takes the lessons that use what only the page has (the editor rail and its Build button, a bind mount edited live,
// published ports opened in the page, compose's preview) and the first one; the Node scripted student
// (test/integration/course-lessons.test.ts, with decoys) takes every other lesson. LESSON=all runs every lesson in either.
export const LESSONS_IN_THE_PAGE = ['01-fixture', '01-why-containers', '06-first-dockerfile', '16-ports', '19-volumes', '20-compose'];
