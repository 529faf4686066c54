// EngineError codes -> the HTTP statuses dockerd answers with, and Docker's `{"message": ...}` error body.
import { EngineError, type EngineErrorCode } from '../errors.ts';

const STATUS: Partial<Record<EngineErrorCode, number>> = {
  NOT_FOUND: 404,
  MANIFEST_UNKNOWN: 404,
  BLOB_UNKNOWN: 404,
  // dockerd answers "no matching manifest for linux/386" and "pull access denied" as not-found
  PLATFORM_UNSUPPORTED: 404,
  DENIED: 403,
  UNAUTHORIZED: 401,
  CONFLICT: 409,
  REFERENCE_INVALID: 400,
  NAME_INVALID: 400,
  INVALID_ARGUMENT: 400,
  DOCKERFILE_SYNTAX: 400,
  NOT_IMPLEMENTED: 501,
  TIMEOUT: 504,
};

export function statusOf(error: unknown): number {
  return error instanceof EngineError ? (STATUS[error.code] ?? 500) : 500;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export function errorResponse(error: unknown): Response {
  return jsonResponse({ message: messageOf(error) }, statusOf(error));
}

export function httpError(code: EngineErrorCode, message: string): EngineError {
  return new EngineError(code, message);
}
