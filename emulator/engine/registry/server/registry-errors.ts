// Distribution-spec error responses (`{"errors":[{"code","message","detail"}]}`) with the spec's codes and statuses.

/** distribution-spec "Error Codes", plus the auth ones every registry answers with. */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TAG_INVALID'
  | 'TOOMANYREQUESTS'
  | 'UNKNOWN';

/** Thrown inside the handler; turned into one error response at the top. */
export class RegistryHttpError extends Error {
  readonly status: number;
  readonly code: RegistryErrorCode;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, code: RegistryErrorCode, message: string, options: { detail?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = options.detail ?? null;
    this.headers = options.headers ?? {};
  }

  toResponse(head = false): Response {
    const body = JSON.stringify({ errors: [{ code: this.code, message: this.message, detail: this.detail }] });
    const headers = new Headers({ ...API_VERSION_HEADER, 'Content-Type': 'application/json', ...this.headers });
    return new Response(head ? null : body, { status: this.status, headers });
  }
}

export const API_VERSION_HEADER = { 'Docker-Distribution-API-Version': 'registry/2.0' } as const;

export const nameUnknown = (name: string) => new RegistryHttpError(404, 'NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
export const blobUnknown = (digest: string) => new RegistryHttpError(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
export const manifestUnknown = (reference: string) => new RegistryHttpError(404, 'MANIFEST_UNKNOWN', 'manifest unknown', { detail: { reference } });
export const uploadUnknown = (uuid: string) => new RegistryHttpError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid } });
export const digestInvalid = (detail: unknown) => new RegistryHttpError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { detail });
export const denied = () => new RegistryHttpError(403, 'DENIED', 'requested access to the resource is denied');
export const unsupported = (what: string) => new RegistryHttpError(405, 'UNSUPPORTED', `The operation is unsupported: ${what}`);
