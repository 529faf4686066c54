// EngineError: the one error type the engine throws, with a stable code and an optional source location.

/** Stable error codes. Registry-facing ones mirror the distribution-spec error codes. */
export type EngineErrorCode =
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'DIGEST_MISMATCH'
  | 'NAME_INVALID'
  | 'REFERENCE_INVALID'
  | 'PLATFORM_UNSUPPORTED'
  | 'REGISTRY_UNREACHABLE'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'NOT_IMPLEMENTED'
  | 'PROTOCOL'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'EXEC_FAILED'
  | 'DOCKERFILE_SYNTAX'
  | 'INTERNAL';

/** Where in the learner's input an error is; lines and columns are 1-based. */
export interface ErrorLocation {
  file: string;
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/** The plain shape an EngineError takes across a worker boundary (Comlink transfer handler). */
export interface EngineErrorJSON {
  name: 'EngineError';
  code: EngineErrorCode;
  message: string;
  location?: ErrorLocation;
  details?: Record<string, unknown>;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  readonly location?: ErrorLocation;
  /** Machine-readable extras (e.g. expected/actual digests) for the UI; never needed to read the message. */
  readonly details?: Record<string, unknown>;

  constructor(
    code: EngineErrorCode,
    message: string,
    options: { location?: ErrorLocation; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.location) this.location = options.location;
    if (options.details) this.details = options.details;
  }

  toJSON(): EngineErrorJSON {
    const json: EngineErrorJSON = { name: 'EngineError', code: this.code, message: this.message };
    if (this.location) json.location = this.location;
    if (this.details) json.details = this.details;
    return json;
  }

  static fromJSON(json: EngineErrorJSON): EngineError {
    const options: { location?: ErrorLocation; details?: Record<string, unknown> } = {};
    if (json.location) options.location = json.location;
    if (json.details) options.details = json.details;
    return new EngineError(json.code, json.message, options);
  }
}

export function isEngineError(value: unknown, code?: EngineErrorCode): value is EngineError {
  return value instanceof EngineError && (code === undefined || value.code === code);
}
