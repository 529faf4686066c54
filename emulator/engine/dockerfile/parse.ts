// parseDockerfile: text to nodes (phase 1), then nodes to typed instructions grouped into stages (phase 2).
import type { ParseOptions, ParsedDockerfile } from './types.ts';

/** Parse a Dockerfile. Never throws: every problem is a located Diagnostic in the result. */
export function parseDockerfile(text: string, options: ParseOptions = {}): ParsedDockerfile {
  const file = options.file ?? 'Dockerfile';
  void text;
  return { file, directives: { escape: '\\' }, nodes: [], metaArgs: [], stages: [], diagnostics: [] };
}
