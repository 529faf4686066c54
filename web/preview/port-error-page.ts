// What a preview shows instead of the guest's page when there is none: a short page saying why (or plain text for
// a script's fetch), with the HTTP status a proxy would give (502 refused or broken, 503 no machine, 504 timeout).
import type { PortFailure } from './port-response.ts';

const TITLES: Record<PortFailure['code'], string> = {
  REFUSED: 'Nothing listens on this port',
  TIMEOUT: 'No answer from the server',
  BAD_RESPONSE: 'The server did not answer with HTTP',
  OVERFLOW: 'The response was cut off',
  NO_MACHINE: 'The machine is not running',
  DECLINED: 'No drydock machine is running',
};

function hint(port: number, failure: PortFailure): string {
  switch (failure.code) {
    case 'REFUSED':
      return `Start a server that listens on port ${port}, for example <code>docker run -d -p ${port}:80 nginx</code>, then reload.`;
    case 'NO_MACHINE':
    case 'DECLINED':
      return 'Previews are served by the machine in a drydock tab. Open drydock in another tab and wait for its prompt, then reload this page.';
    default:
      return 'Reload to try again.';
  }
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `document`: an HTML page (a navigation), else text. */
export function errorResponse(port: number, failure: PortFailure, document: boolean): Response {
  const title = TITLES[failure.code];
  const headers = { 'Cache-Control': 'no-store', 'X-Drydock-Port-Error': failure.code };
  if (!document) {
    return new Response(`drydock: port ${port}: ${title.toLowerCase()}: ${failure.message}\n`, {
      status: failure.status,
      headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
    });
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><title>Port ${port}: ${escape(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}h1{font-size:1.25rem}code{font-size:.9em}p.why{color:#888}</style></head>
<body><main><h1>Port ${port}: ${escape(title)}</h1><p class="why">drydock: ${escape(failure.message)}.</p><p>${hint(port, failure)}</p></main></body></html>
`;
  return new Response(html, { status: failure.status, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
}
