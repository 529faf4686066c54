// The embedded lab's postMessage API (docs page <-> lab.html in an iframe): message shapes, their validation, origins.
// Both sides treat every message as untrusted input: it is checked field by field before anything reads it.

/** Every message of the API carries this tag and version; anything else on the window's message bus is not ours. */
export const LAB_API = 'drydock-lab';
export const LAB_API_VERSION = 1;

/** A command is one line a learner could type; longer text is not an example, and refusing it keeps the terminal sane. */
export const MAX_COMMAND_LENGTH = 2000;
export const MAX_FILE_PATH_LENGTH = 200;
/** An inline file is an example's source, not a data set. */
export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_FILES = 20;
export const MAX_COMMANDS = 20;

export type RequestId = string | number;

/** What the host may ask. The lab decides what each means: `run` types the line, like a learner, and nothing more. */
export type HostRequest =
  | { type: 'run'; id: RequestId; command: string }
  | { type: 'write-file'; id: RequestId; path: string; text: string }
  | { type: 'read-terminal'; id: RequestId };

/** The lab's answer to one request, matched by id. */
export type LabReply = { type: 'reply'; id: RequestId; ok: true; text?: string } | { type: 'reply'; id: RequestId; ok: false; error: string };

/** What the lab tells the host unasked. */
export type LabEvent =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  /** a command typed by `run` (or from the example's commands) is done: the shell's prompt is back */
  | { type: 'exit'; id: RequestId | null; command: string };

export type LabMessage = LabReply | LabEvent;

type Envelope<T> = T & { api: typeof LAB_API; version: typeof LAB_API_VERSION };

export function envelope<T extends object>(message: T): Envelope<T> {
  return { api: LAB_API, version: LAB_API_VERSION, ...message };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

type Fields = Record<string, unknown>;

/** Messages from the host (the lab's side). `null` when the data is not an API message at all (other scripts' traffic). */
export function parseHostRequest(data: unknown): Parsed<HostRequest> | null {
  const fields = apiFields(data);
  if (!fields) return null;
  if (fields.version !== LAB_API_VERSION) return fail(`unsupported API version ${describe(fields.version)} (this lab speaks ${LAB_API_VERSION})`);
  const id = fields.id;
  if (!isRequestId(id)) return fail('id: expected a string (at most 100 characters) or an integer');
  switch (fields.type) {
    case 'run': {
      const command = checkCommand(fields.command, 'command');
      return typeof command === 'string' ? { ok: true, value: { type: 'run', id, command } } : command;
    }
    case 'write-file': {
      const path = checkFilePath(fields.path, 'path');
      if (typeof path !== 'string') return path;
      const text = checkFileText(fields.text, 'text');
      return typeof text === 'string' ? { ok: true, value: { type: 'write-file', id, path, text } } : text;
    }
    case 'read-terminal':
      return { ok: true, value: { type: 'read-terminal', id } };
    default:
      return fail(`type: unknown request ${describe(fields.type)} (run, write-file, read-terminal)`);
  }
}

/** Messages from the lab (the docs page's side): replies and events, checked before the element acts on them. */
export function parseLabMessage(data: unknown): Parsed<LabMessage> | null {
  const fields = apiFields(data);
  if (!fields) return null;
  if (fields.version !== LAB_API_VERSION) return fail(`unsupported API version ${describe(fields.version)}`);
  switch (fields.type) {
    case 'reply': {
      if (!isRequestId(fields.id)) return fail('id: expected a string or an integer');
      if (fields.ok === true) {
        if (fields.text !== undefined && typeof fields.text !== 'string') return fail('text: expected a string');
        return { ok: true, value: { type: 'reply', id: fields.id, ok: true, ...(typeof fields.text === 'string' ? { text: fields.text } : {}) } };
      }
      if (fields.ok === false && typeof fields.error === 'string') return { ok: true, value: { type: 'reply', id: fields.id, ok: false, error: fields.error } };
      return fail('ok: expected true, or false with an error');
    }
    case 'ready':
      return { ok: true, value: { type: 'ready' } };
    case 'failed':
      return typeof fields.error === 'string' ? { ok: true, value: { type: 'failed', error: fields.error } } : fail('error: expected a string');
    case 'exit':
      if (fields.id !== null && !isRequestId(fields.id)) return fail('id: expected null, a string or an integer');
      if (typeof fields.command !== 'string') return fail('command: expected a string');
      return { ok: true, value: { type: 'exit', id: fields.id, command: fields.command } };
    default:
      return fail(`type: unknown message ${describe(fields.type)}`);
  }
}

/**
 * A command line as the lab will type it: printable text on one line. Control characters would let text act as
 * keys (Enter, Ctrl+C, escape sequences), which the lab does not offer.
 */
export function checkCommand(value: unknown, where: string): string | { ok: false; error: string } {
  if (typeof value !== 'string') return fail(`${where}: expected a string`);
  if (value.trim() === '') return fail(`${where}: empty command`);
  if (value.length > MAX_COMMAND_LENGTH) return fail(`${where}: longer than ${MAX_COMMAND_LENGTH} characters`);
  const control = findControlCharacter(value);
  if (control !== null) return fail(`${where}: control character U+${control} at column ${value.search(CONTROL) + 1} (one printable line only)`);
  return value;
}

/** A path inside the example's folder (/root/app): relative, no "..", plain names. */
export function checkFilePath(value: unknown, where: string): string | { ok: false; error: string } {
  if (typeof value !== 'string' || value === '') return fail(`${where}: expected a relative file path`);
  if (value.length > MAX_FILE_PATH_LENGTH) return fail(`${where}: longer than ${MAX_FILE_PATH_LENGTH} characters`);
  if (value.startsWith('/')) return fail(`${where}: "${value}" is absolute; paths are relative to /root/app`);
  if (findControlCharacter(value) !== null || value.includes('\\')) return fail(`${where}: "${value}" has a control character or a backslash`);
  const parts = value.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) return fail(`${where}: "${value}" must be plain names joined by "/" (no "", ".", "..")`);
  return value;
}

export function checkFileText(value: unknown, where: string): string | { ok: false; error: string } {
  if (typeof value !== 'string') return fail(`${where}: expected a string`);
  if (new TextEncoder().encode(value).length > MAX_FILE_BYTES) return fail(`${where}: larger than ${MAX_FILE_BYTES / 1024} KiB`);
  return value;
}

/**
 * A serialised origin as a browser writes `MessageEvent.origin` ("https://docs.example.com", "http://localhost:8080"),
 * or null. Paths, wildcards and opaque origins ("null", file:, data:) are refused: an allowlist entry names one site.
 */
export function normaliseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  // a host name or an IPv6 literal; the URL parser would keep "*" as a name, which no page's origin can be
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) return null;
  if (url.origin !== value.replace(/\/$/, '')) return null;
  return url.origin;
}

/** Whether a message's origin may use the API: an exact match in the allowlist; "null" (opaque) never. */
export function isAllowedOrigin(origin: string, allowlist: readonly string[]): boolean {
  if (origin === 'null' || origin === '') return false;
  return allowlist.includes(origin);
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function findControlCharacter(value: string): string | null {
  const match = CONTROL.exec(value);
  return match ? match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') : null;
}

function apiFields(data: unknown): Fields | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const fields = data as Fields;
  return fields.api === LAB_API ? fields : null;
}

function isRequestId(value: unknown): value is RequestId {
  return (typeof value === 'string' && value.length > 0 && value.length <= 100) || (typeof value === 'number' && Number.isSafeInteger(value));
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value);
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
