// Which lessons `npm test` runs where: each lesson once, so the course fits CI's time. Chromium (test/e2e/course.spec.ts)
// takes the lessons that use what only the page has (a bind mount edited live, published ports opened in the page,
// compose's preview) and the first one; the Node scripted student (test/integration/course-lessons.test.ts, with
// decoys) takes every other lesson. LESSON=all runs every lesson in either.
// 06-first-dockerfile runs in Node: its node app makes it the longest lesson (8 min in Chromium beside the integration
// suite), and what it has of the page is proven elsewhere: its Build tag in lesson-page.spec.ts, the Build button
// typing a build in editor.spec.ts, a published port opened in the page by 16-ports.
export const LESSONS_IN_THE_PAGE = ['01-fixture', '01-why-containers', '16-ports', '19-volumes', '20-compose'];
