// Helpers around Diagnostic: building them, turning an error into an EngineError, printing like `docker build`.
import { EngineError } from '../errors.ts';
import type { Diagnostic, ParsedDockerfile, SourceRange } from './types.ts';

/** True when the parse produced at least one error (warnings don't count). */
export function hasErrors(parsed: Pick<ParsedDockerfile, 'diagnostics'>): boolean {
  return parsed.diagnostics.some((d) => d.severity === 'error');
}

/** An EngineError with code DOCKERFILE_SYNTAX carrying the diagnostic's location. */
export function diagnosticToEngineError(d: Diagnostic): EngineError {
  return new EngineError('DOCKERFILE_SYNTAX', d.message, {
    location: {
      file: d.file,
      line: d.range.startLine,
      column: d.range.startColumn,
      endLine: d.range.endLine,
      endColumn: d.range.endColumn,
    },
    ...(d.code ? { details: { code: d.code } } : {}),
  });
}

/** One line like BuildKit prints: `Dockerfile:7: unknown instruction: FOO` (warnings prefixed). */
export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? `WARN: ${d.code ?? 'Warning'}: ` : '';
  return `${prefix}${d.file}:${d.range.startLine}: ${d.message}`;
}

export function makeDiagnostic(
  severity: Diagnostic['severity'],
  file: string,
  range: SourceRange,
  message: string,
  code?: Diagnostic['code'],
): Diagnostic {
  return code === undefined ? { severity, message, file, range } : { severity, message, file, range, code };
}
