// The course's place in the URL hash: `#/lesson/<id>/<step>` (steps from 1; recap = steps + 1), `#/course` or none.
// A hash works under any base path and on any static host.

export type CourseRoute = { kind: 'course' } | { kind: 'lesson'; id: string; step: number };

export function parseRoute(hash: string): CourseRoute {
  const match = /^#\/lesson\/([a-z0-9-]+)(?:\/(\d+))?\/?$/.exec(hash);
  if (!match) return { kind: 'course' };
  const step = match[2] === undefined ? 1 : Math.max(1, Number(match[2]));
  return { kind: 'lesson', id: match[1] ?? '', step };
}

export function formatRoute(route: CourseRoute): string {
  return route.kind === 'lesson' ? `#/lesson/${route.id}/${route.step}` : '#/course';
}
