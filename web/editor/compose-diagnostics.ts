// The open compose file loaded as `docker compose` loads it, its error and warnings as located problems (the
// Dockerfile parser's Diagnostic shape, so markers and the problems line treat both alike).
import { loadProject } from '../../emulator/engine/compose/load.ts';
import type { Diagnostic } from '../../emulator/engine/dockerfile/index.ts';
import { EngineError } from '../../emulator/engine/errors.ts';
import { parentOf } from './project-paths.ts';

/** Where the project is in the guest: compose's messages name the file by this path, as in the terminal. */
const GUEST_ROOT = '/root/app';

function lineDiagnostic(severity: Diagnostic['severity'], message: string, file: string, text: string, line: number): Diagnostic {
  const lines = text.split('\n');
  const at = Math.min(Math.max(line, 1), Math.max(lines.length, 1));
  const content = lines[at - 1] ?? '';
  const first = content.length - content.trimStart().length + 1;
  return { severity, message, file, range: { startLine: at, startColumn: first, endLine: at, endColumn: Math.max(content.length + 1, first + 1) } };
}

/** The first line that names the variable (`$NAME` or `${NAME...`), for the unset-variable warning. */
function lineNaming(text: string, name: string): number {
  const pattern = new RegExp(`\\$(\\{${name}\\b|${name}(?![A-Za-z0-9_]))`);
  const i = text.split('\n').findIndex((l) => pattern.test(l));
  return i < 0 ? 1 : i + 1;
}

/**
 * Loads `path` of the project with no client environment (the learner's shell adds nothing the editor can see);
 * `read` gives other project files (`.env`, env_file entries). Errors without a line (interpolation) go on line 1.
 */
export async function composeDiagnostics(path: string, text: string, read: (projectPath: string) => string | undefined): Promise<Diagnostic[]> {
  const dir = parentOf(path);
  const workingDir = dir === '' ? GUEST_ROOT : `${GUEST_ROOT}/${dir}`;
  const guestFile = `${GUEST_ROOT}/${path}`;
  const toProject = (absolute: string) => (absolute.startsWith(`${GUEST_ROOT}/`) ? absolute.slice(GUEST_ROOT.length + 1) : undefined);
  const dotEnv = read(dir === '' ? '.env' : `${dir}/.env`);
  try {
    const { warnings } = await loadProject({
      file: { path: guestFile, text },
      workingDir,
      env: {},
      ...(dotEnv !== undefined ? { dotEnv } : {}),
      readFile: async (absolute) => {
        const p = toProject(absolute);
        return p === undefined ? undefined : read(p);
      },
    });
    return warnings.map((w) => {
      const message = w.replace(/^WARN\[0000\] /, '');
      const unset = /^The "([^"]+)" variable is not set/.exec(message);
      const version = message.includes('the attribute `version` is obsolete') ? text.split('\n').findIndex((l) => l.startsWith('version:')) + 1 : 0;
      return lineDiagnostic('warning', message, path, text, unset ? lineNaming(text, unset[1] as string) : version || 1);
    });
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return [lineDiagnostic('error', e.message, path, text, e.location?.file === guestFile ? (e.location.line ?? 1) : 1)];
  }
}
