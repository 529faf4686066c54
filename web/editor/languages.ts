// Which Monaco language shows a project file, and which files the Dockerfile parser checks.
import { baseName } from './project-paths.ts';

/** "Dockerfile", "app.Dockerfile", "Dockerfile.dev", "build.dockerfile". */
export function isDockerfile(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return name === 'dockerfile' || name.startsWith('dockerfile.') || name.endsWith('.dockerfile');
}

const BY_EXTENSION: Record<string, string> = {
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  // Highlighted as JavaScript: the JSON language service needs its own worker, which is not worth its weight here.
  json: 'javascript',
  py: 'python',
  sh: 'shell',
  bash: 'shell',
};

/** Only languages registered in monaco.ts (Monarch grammars, no language workers). */
export function languageForPath(path: string): string {
  if (isDockerfile(path)) return 'dockerfile';
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return (dot > 0 && BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) || 'plaintext';
}
