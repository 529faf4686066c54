// Which Monaco language shows a project file, and which files the Dockerfile parser and the compose loader check.
import { baseName } from './project-paths.ts';

/** "Dockerfile", "app.Dockerfile", "Dockerfile.dev", "build.dockerfile". */
export function isDockerfile(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return name === 'dockerfile' || name.startsWith('dockerfile.') || name.endsWith('.dockerfile');
}

/** The names `docker compose` looks for in a folder (compose-go's DefaultFileNames): checked by the compose loader. */
const COMPOSE_FILE_NAMES = new Set(['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']);

export function isComposeFile(path: string): boolean {
  return COMPOSE_FILE_NAMES.has(baseName(path));
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
  yaml: 'yaml',
  yml: 'yaml',
};

/** Only languages registered in monaco.ts (Monarch grammars, no language workers). */
export function languageForPath(path: string): string {
  if (isDockerfile(path)) return 'dockerfile';
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return (dot > 0 && BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) || 'plaintext';
}
