// Parser and loader diagnostics (Dockerfile, compose file) as Monaco markers (plain data, so it is testable without Monaco).
import type { Diagnostic } from '../../emulator/engine/dockerfile/index.ts';

/** Monaco's MarkerSeverity values (monaco.MarkerSeverity.Error = 8, Warning = 4). */
export const MARKER_SEVERITY = { error: 8, warning: 4 } as const;

export interface MarkerData {
  severity: number;
  message: string;
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
  source: string;
  code?: string;
}

/** `source` is the checker Monaco's hover names: `dockerfile` or `compose`. */
export function toMarker(d: Diagnostic, source = 'dockerfile'): MarkerData {
  const r = d.range;
  // An empty range draws nothing; underline at least one character.
  const endColumn = r.endLine === r.startLine && r.endColumn <= r.startColumn ? r.startColumn + 1 : r.endColumn;
  const marker: MarkerData = {
    severity: MARKER_SEVERITY[d.severity],
    message: d.message,
    startLineNumber: r.startLine,
    startColumn: r.startColumn,
    endLineNumber: r.endLine,
    endColumn,
    source,
  };
  if (d.code) marker.code = d.code;
  return marker;
}
