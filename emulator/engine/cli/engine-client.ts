// The CLI's side of the Engine API, like the docker client's: builds requests for the router (the same one
// `engine:serve` puts on a unix socket), and turns error responses into `Error response from daemon: ...`.
import type { EngineApi } from '../api/engine-api.ts';
import { API_VERSION } from '../api/system-info.ts';

/** An error the daemon answered with; the CLI prints `Error response from daemon: <message>`. */
export class DaemonError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** An error inside a progress stream (after the 200): printed as the bare message, as docker does. */
export class StreamError extends Error {}

export interface RequestOptions {
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class EngineClient {
  readonly #api: EngineApi;

  constructor(api: EngineApi) {
    this.#api = api;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(`http://engine/v${API_VERSION}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v === undefined || v === false) continue;
      url.searchParams.set(k, v === true ? '1' : v);
    }
    const init: RequestInit = { method, headers: { ...options.headers } };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    if (options.signal) init.signal = options.signal;
    const response = await this.#api(new Request(url, init));
    // moby's checkResponseErr: below 400 is no error (a stop or start of a container already so answers 304)
    if (response.status < 200 || response.status >= 400) {
      const text = await response.text();
      let message = text.trim();
      try {
        // the docker client trims the daemon's message (dockerd's "predefined host network " ends in a space)
        message = ((JSON.parse(text) as { message?: string }).message ?? message).trim();
      } catch {
        // not JSON: the text is the message
      }
      throw new DaemonError(message, response.status);
    }
    return response;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.request(method, path, options)).json() as Promise<T>;
  }
}

/** Image names go into paths as dockerd's router expects them: slashes kept, the rest escaped. */
export function imagePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
