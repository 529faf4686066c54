// Loading a Compose project as `docker compose` does: .env, interpolation, the schema, the project name,
// normalisation, depends_on checks. Pure: the caller reads files (the CLI reads them from the guest).
import { EngineError } from '../errors.ts';
import { parseDotEnv } from './dotenv.ts';
import { checkCycles } from './graph.ts';
import { interpolateTree, unsetWarning } from './interpolate.ts';
import type { ComposeProject } from './model.ts';
import { normalizeProject, resolvePath } from './normalize.ts';
import { checkShape, COMPOSE_FILE } from './schema.ts';
import { parseYamlSource } from './yaml-source.ts';

export interface LoadOptions {
  /** the compose file, absolute, and its text */
  file: { path: string; text: string };
  /** the project directory (default: the file's directory) */
  workingDir: string;
  /** the client's environment (wins over .env) */
  env: Readonly<Record<string, string>>;
  /** text of `<project dir>/.env`, if there is one */
  dotEnv?: string;
  /** `-p NAME` */
  projectName?: string;
  /** reads an env_file (absolute path); undefined when it does not exist */
  readFile(path: string): Promise<string | undefined>;
}

export interface LoadedProject {
  project: ComposeProject;
  /** lines Compose prints on stderr before doing anything (unset variables, obsolete `version`) */
  warnings: string[];
  /** the interpolation environment (client environment over .env) */
  environment: Map<string, string>;
}

const PROJECT_NAME_RULE = 'must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number';

export function normalizeProjectName(s: string): string {
  return (s.toLowerCase().match(/[a-z0-9_-]/g) ?? []).join('').replace(/^[_-]+/, '');
}

function checkProjectName(name: string): string {
  if (normalizeProjectName(name) !== name || name === '') throw new EngineError('INVALID_ARGUMENT', `invalid project name "${name}": ${PROJECT_NAME_RULE}`);
  return name;
}

/** Paths of a service's env_file entries as the tree gives them (before normalisation). */
function envFilePaths(tree: Record<string, unknown>, workingDir: string): string[] {
  const out: string[] = [];
  for (const s of Object.values((tree.services ?? {}) as Record<string, Record<string, unknown> | null>)) {
    const e = s?.env_file;
    if (e === undefined) continue;
    for (const entry of (Array.isArray(e) ? e : [e]) as unknown[]) {
      const p = typeof entry === 'string' ? entry : (entry as { path?: unknown } | null)?.path;
      if (typeof p === 'string') out.push(resolvePath(workingDir, p));
    }
  }
  return out;
}

export async function loadProject(options: LoadOptions): Promise<LoadedProject> {
  const { file, workingDir } = options;
  const warnings: string[] = [];
  const environment = new Map<string, string>();
  if (options.dotEnv !== undefined) {
    for (const [k, v] of parseDotEnv(options.dotEnv, resolvePath(workingDir, '.env'), (n) => options.env[n])) environment.set(k, v);
  }
  for (const [k, v] of Object.entries(options.env)) environment.set(k, v);
  const lookup = (name: string) => environment.get(name);

  const source = parseYamlSource(file.text, file.path);
  const raw = source.tree ?? {};
  const locate = (path: (string | number)[]) => ({ file: file.path, line: source.lineOf(path) });
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new EngineError('INVALID_ARGUMENT', `validating ${file.path}: top-level object must be a mapping`, { location: locate([]) });
  if ('version' in raw) warnings.push(`WARN[0000] ${file.path}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);

  const { value, unset } = interpolateTree(raw, lookup);
  for (const name of unset) warnings.push(unsetWarning(name));
  const tree = value as Record<string, unknown>;
  const problem = checkShape(tree, COMPOSE_FILE);
  if (problem) {
    const location = locate(problem.path);
    throw new EngineError('INVALID_ARGUMENT', `validating ${file.path}:${location.line}: ${problem.message}`, { location });
  }

  let name: string;
  if (options.projectName !== undefined) name = checkProjectName(options.projectName);
  else if (environment.get('COMPOSE_PROJECT_NAME')) name = checkProjectName(environment.get('COMPOSE_PROJECT_NAME') as string);
  else if (typeof tree.name === 'string' && normalizeProjectName(tree.name) !== '') name = normalizeProjectName(tree.name);
  else name = normalizeProjectName(workingDir.split('/').filter(Boolean).pop() ?? '');
  if (name === '') throw new EngineError('INVALID_ARGUMENT', 'project name must not be empty');

  const envFiles = new Map<string, Map<string, string> | undefined>();
  for (const path of envFilePaths(tree, workingDir)) {
    if (envFiles.has(path)) continue;
    const text = await options.readFile(path);
    envFiles.set(path, text === undefined ? undefined : parseDotEnv(text, path, lookup));
  }
  const project = normalizeProject(tree, { projectName: name, workingDir, files: [file.path], lookup, envFiles, locate });
  checkCycles(project);
  return { project, warnings, environment };
}
