// Public types of the Dockerfile parser: phase-1 nodes, typed instructions grouped into stages, diagnostics.

/** A span in the Dockerfile. Lines and columns are 1-based; endColumn is the column just after the last character (Monaco's convention). */
export interface SourceRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export type DiagnosticSeverity = 'error' | 'warning';

/**
 * A problem in the learner's Dockerfile. Errors stop a build; warnings are BuildKit lint-style hints.
 * `code` is a stable id: BuildKit's lint rule name for warnings (e.g. 'JSONArgsRecommended', 'MaintainerDeprecated'),
 * or one of DiagnosticCode for errors.
 */
export interface Diagnostic {
  severity: DiagnosticSeverity;
  message: string;
  file: string;
  range: SourceRange;
  code?: DiagnosticCode | (string & {});
}

/** Stable codes for parser errors (warnings use BuildKit's lint rule names). */
export type DiagnosticCode =
  | 'EmptyDockerfile'
  | 'NoFrom'
  | 'InstructionBeforeFrom'
  | 'UnknownInstruction'
  | 'UnknownFlag'
  | 'InvalidFlag'
  | 'ArgumentCount'
  | 'InvalidArgument'
  | 'UnterminatedHeredoc'
  | 'InvalidEscapeDirective'
  | 'InvalidStageName'
  | 'DuplicateStageName'
  | 'InvalidOnbuild'
  | 'InvalidJson'
  | 'InvalidDuration';

/** Parser directives from the top of the file (`# syntax=`, `# escape=`, `# check=`). */
export interface ParserDirectives {
  syntax?: string;
  /** The escape character: '\\' (default) or '`'. */
  escape: '\\' | '`';
  /** `# check=` directive value, kept verbatim. */
  check?: string;
}

/** A here-document attached to an instruction (`RUN <<EOF`, `COPY <<EOF /file`). */
export interface Heredoc {
  /** The delimiter word, without quotes or the `-`. */
  name: string;
  /** The body, lines joined with '\n' and ending in '\n' (tabs already stripped for `<<-`). */
  content: string;
  /** False when the delimiter was quoted (`<<'EOF'`, `<<"EOF"`): the body is taken literally. */
  expand: boolean;
  /** True for `<<-EOF`: leading tabs were stripped from body lines. */
  chomp: boolean;
  /** The file descriptor written before `<<` (e.g. `3<<EOF`), if any. */
  fileDescriptor?: number;
  /** Lines of the body and its terminator. */
  range: SourceRange;
}

/** One `--name=value` (or bare `--name`) flag as written. */
export interface ParsedFlag {
  name: string;
  /** undefined for a bare boolean flag like `--link`. */
  value: string | undefined;
  /** The flag exactly as written, e.g. `--from=build`. */
  raw: string;
  range: SourceRange;
}

/**
 * Phase 1: one instruction as text split into words, before it is given meaning
 * (BuildKit's parser.Node). `args` keep quotes for shell-form words; exec-form (JSON) args are decoded.
 */
export interface DockerfileNode {
  /** Lower-case keyword, e.g. 'run'. */
  keyword: string;
  /** The keyword as written (for casing lint). */
  keywordText: string;
  flags: ParsedFlag[];
  /**
   * Arguments. ENV/LABEL: alternating key, value (values still quoted). ARG: one entry per `name[=value]`.
   * RUN/CMD/ENTRYPOINT/SHELL shell form: one string (the rest of the line); exec form: the JSON strings.
   * Other instructions: whitespace-separated words (quotes kept).
   */
  args: string[];
  /** True when the arguments were a valid JSON string array (exec form). */
  json: boolean;
  heredocs: Heredoc[];
  /** The instruction's text with continuations joined (escape+newline removed), as BuildKit prints it. */
  original: string;
  startLine: number;
  endLine: number;
  range: SourceRange;
  /** ONBUILD's trigger instruction. */
  child?: DockerfileNode;
  /** ENV/LABEL written in the legacy `KEY name value` form. */
  legacyKeyValue?: boolean;
}

/** An ordered key/value pair (ENV, LABEL). Values are raw words: call expandWord() to substitute and unquote. */
export interface KeyValuePair {
  key: string;
  value: string;
  /** True for the legacy `ENV key value` form (whole rest of line is the value). */
  legacy?: boolean;
}

/** An ARG declaration: `ARG name` or `ARG name=default` (default still raw). */
export interface ArgDeclaration {
  name: string;
  defaultValue?: string;
}

interface InstructionBase {
  range: SourceRange;
  /** The instruction's text as BuildKit shows it in progress lines, e.g. `WORKDIR /app` (continuations joined). */
  original: string;
  flags: ParsedFlag[];
  node: DockerfileNode;
}

export interface FromInstruction extends InstructionBase {
  kind: 'from';
  /** The base image reference, unexpanded (may contain $ARG from meta args). */
  base: string;
  /** The stage name after AS, lower-cased (BuildKit lower-cases stage names). */
  name?: string;
  /** --platform value, unexpanded. */
  platform?: string;
}

/** A command in shell form (string, run through the SHELL) or exec form (string[], run directly). */
export type CommandLine = { json: false; command: string } | { json: true; command: string[] };

export interface RunInstruction extends InstructionBase {
  kind: 'run';
  json: boolean;
  command: string | string[];
  /** Raw --mount values (e.g. `type=cache,target=/root/.cache`). */
  mounts: string[];
  network?: string;
  security?: string;
  heredocs: Heredoc[];
}

export interface CmdInstruction extends InstructionBase {
  kind: 'cmd';
  json: boolean;
  command: string | string[];
}

export interface EntrypointInstruction extends InstructionBase {
  kind: 'entrypoint';
  json: boolean;
  command: string | string[];
}

export interface CopyInstruction extends InstructionBase {
  kind: 'copy' | 'add';
  /** Path/URL source words, raw (expand each with expandWord). Heredoc sources are not here: see `heredocs`. */
  sources: string[];
  /** Destination, raw. */
  dest: string;
  json: boolean;
  /** COPY --from (stage name, index or image), raw. */
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  /** COPY --parents. */
  parents: boolean;
  /** --exclude patterns. */
  exclude: string[];
  /** ADD --checksum. */
  checksum?: string;
  /** ADD --keep-git-dir. */
  keepGitDir: boolean;
  /** ADD --unpack (undefined = default behaviour). */
  unpack?: boolean;
  /** Inline sources (`COPY <<EOF /dest`): each becomes a file named after the heredoc; expand its content when `expand`. */
  heredocs: Heredoc[];
}

export interface WorkdirInstruction extends InstructionBase {
  kind: 'workdir';
  path: string;
}

export interface EnvInstruction extends InstructionBase {
  kind: 'env';
  pairs: KeyValuePair[];
}

export interface ArgInstruction extends InstructionBase {
  kind: 'arg';
  args: ArgDeclaration[];
}

export interface LabelInstruction extends InstructionBase {
  kind: 'label';
  pairs: KeyValuePair[];
}

export interface ExposeInstruction extends InstructionBase {
  kind: 'expose';
  /** Raw port words, e.g. `80`, `53/udp`, `$PORT`. */
  ports: string[];
}

export interface UserInstruction extends InstructionBase {
  kind: 'user';
  user: string;
}

export interface VolumeInstruction extends InstructionBase {
  kind: 'volume';
  paths: string[];
  json: boolean;
}

export interface StopsignalInstruction extends InstructionBase {
  kind: 'stopsignal';
  signal: string;
}

/** Durations are in nanoseconds, like the image config's Healthcheck. */
export interface HealthcheckInstruction extends InstructionBase {
  kind: 'healthcheck';
  /** HEALTHCHECK NONE: disables any inherited check; test is ['NONE']. */
  none: boolean;
  /** Image-config style: ['NONE'] | ['CMD', ...argv] | ['CMD-SHELL', command]. */
  test: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface ShellInstruction extends InstructionBase {
  kind: 'shell';
  shell: string[];
}

export interface OnbuildInstruction extends InstructionBase {
  kind: 'onbuild';
  /** The trigger as text, e.g. `RUN echo hi` (what goes into the image config's OnBuild list). */
  expression: string;
  /** The trigger parsed, when it parsed. */
  trigger?: Instruction;
}

export interface MaintainerInstruction extends InstructionBase {
  kind: 'maintainer';
  maintainer: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | CopyInstruction
  | WorkdirInstruction
  | EnvInstruction
  | ArgInstruction
  | LabelInstruction
  | ExposeInstruction
  | UserInstruction
  | VolumeInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | ShellInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

export type InstructionKind = Instruction['kind'];

/** One build stage: a FROM and the instructions after it up to the next FROM. */
export interface Stage {
  /** Lower-cased name from `AS name`, if any. */
  name?: string;
  /** The FROM's image reference, unexpanded. */
  base: string;
  platform?: string;
  /** 0-based position; `COPY --from=0` refers to this. */
  index: number;
  from: FromInstruction;
  /** Instructions after the FROM (the FROM itself is `from`). BuildKit's step count is 1 + instructions.length. */
  instructions: Instruction[];
  range: SourceRange;
}

export interface ParsedDockerfile {
  file: string;
  directives: ParserDirectives;
  /** Phase 1 output: every instruction as a node, in file order. */
  nodes: DockerfileNode[];
  /** ARG instructions before the first FROM (usable in FROM lines). */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  /** Errors and warnings, in file order. The file is buildable only if none has severity 'error'. */
  diagnostics: Diagnostic[];
}

export interface ParseOptions {
  /** File name used in diagnostics; default 'Dockerfile'. */
  file?: string;
}
