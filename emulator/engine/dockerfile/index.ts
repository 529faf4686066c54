// Dockerfile parser: public entry point (parse, expand, diagnostics helpers, keyword list for editors).
export type * from './types.ts';
export { parseDockerfile } from './parse.ts';
export {
  expandWord,
  expandWords,
  expandWordDetailed,
  unquoteWord,
  ExpansionError,
  type ExpansionEnv,
  type ExpansionResult,
} from './expand.ts';
export { expandInstruction, EXPANDING_INSTRUCTIONS } from './expand-instruction.ts';
export { diagnosticToEngineError, hasErrors, formatDiagnostic } from './diagnostics.ts';
export { dockerfileLanguage } from './language.ts';
