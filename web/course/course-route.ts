// The course's place in the URL hash: `#/lesson/<id>/<step>` (steps from 1; recap = steps + 1), `#/course` or none;
// a lesson pack's: `#/pack=<url>` (its lesson list) and `#/pack=<url>!/lesson/<id>/<step>`. A hash works under any
// base path and on any static host.

export type CourseRoute = ({ kind: 'course' } | { kind: 'lesson'; id: string; step: number }) & { pack?: string };

const LESSON = /^#\/lesson\/([a-z0-9-]+)(?:\/(\d+))?\/?$/;
/** The pack's URL as typed (not encoded): everything up to a trailing `!/lesson/...`. */
const PACK = /^#\/pack=(.+?)(?:!(\/lesson\/.*))?$/;

export function parseRoute(hash: string): CourseRoute {
  const pack = PACK.exec(hash);
  if (pack) {
    const inner = parseRoute(pack[2] === undefined ? '' : `#${pack[2]}`);
    return { ...inner, pack: pack[1] ?? '' };
  }
  const match = LESSON.exec(hash);
  if (!match) return { kind: 'course' };
  const step = match[2] === undefined ? 1 : Math.max(1, Number(match[2]));
  return { kind: 'lesson', id: match[1] ?? '', step };
}

export function formatRoute(route: CourseRoute): string {
  const lesson = route.kind === 'lesson' ? `/lesson/${route.id}/${route.step}` : undefined;
  if (route.pack !== undefined) return `#/pack=${route.pack}${lesson ? `!${lesson}` : ''}`;
  return lesson ? `#${lesson}` : '#/course';
}
