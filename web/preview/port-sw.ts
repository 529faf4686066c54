/// <reference lib="webworker" />
// The port service worker: `<base>/ports/<port>/<path>` (and absolute paths asked by such a page) answered by the
// machine of a drydock tab, without any server. A service worker cannot talk to a dedicated worker, so it asks a page
// of the app (port-bridge.ts), which hands the request and a MessagePort to its machine's worker; the worker then
// streams the response straight back on that port. Built as one classic script at the base (vite.config.ts), so its
// scope is the app's base path. It is also the app's offline cache (web/offline/): one worker per scope.
import { isSkipWaiting } from '../offline/offline-messages.ts';
import { OfflineCache } from '../offline/offline-worker.ts';
import type { PortHttpRequest } from '../../emulator/protocol.ts';
import type { PortRequestMessage } from './port-bridge-messages.ts';
import { errorResponse } from './port-error-page.ts';
import { responseFromPort, type PortFailure } from './port-response.ts';
import { absolutePathTarget, isAppPage, portOfPage, portUrl, portUrlTarget, previewLocation, type PortTarget } from './port-url.ts';

declare const self: ServiceWorkerGlobalScope;
/** The build's offline manifest version (vite.config.ts defines it; null on the dev server, which caches nothing). */
declare const __DRYDOCK_OFFLINE_VERSION__: string | null;

const offline = new OfflineCache(__DRYDOCK_OFFLINE_VERSION__, () => new URL(self.registration.scope));

/** A request body is read whole before it is sent; past this the request is refused. */
const MAX_REQUEST_BODY = 32 * 1024 * 1024;
/** Fields the browser would not decode for a Response made here: the guest is asked for an identity body. */
const DROPPED_REQUEST_FIELDS = new Set(['accept-encoding']);

/** Which port each preview page (client) is for: filled as their navigations and requests pass. */
const portByClient = new Map<string, number>();
/** Forgotten pages are not tracked: past this many, the oldest entries go (a page asks again by its referrer). */
const MAX_CLIENTS = 500;

function remember(clientId: string, port: number): void {
  portByClient.delete(clientId);
  portByClient.set(clientId, port);
  if (portByClient.size > MAX_CLIENTS) portByClient.delete(portByClient.keys().next().value as string);
}

// No skipWaiting here: a new deployment installs in the background and waits, so that a page never runs half of one
// version and half of the next; the page offers the reload (isSkipWaiting). The first install has nothing to wait for.
self.addEventListener('install', (event) => event.waitUntil(offline.install(self.registration.active !== null)));
// Claims the page that registered it, so previews work on the first visit.
self.addEventListener('activate', (event) => event.waitUntil(offline.activate().then(() => self.clients.claim())));
self.addEventListener('message', (event) => {
  if (isSkipWaiting(event.data)) void self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope);
  const navigate = request.mode === 'navigate';

  const direct = portUrlTarget(url, scope);
  if (direct) {
    if (direct.slash && navigate) {
      event.respondWith(Response.redirect(portUrl(scope, direct.port, direct.target), 302));
      return;
    }
    if (event.resultingClientId) remember(event.resultingClientId, direct.port);
    event.respondWith(forward(request, direct, navigate));
    return;
  }

  // An absolute path (`/style.css`, `fetch('/api')`) from a preview page: its referrer or its client says which port.
  const port = portOfPage(request.referrer, scope) ?? portByClient.get(event.clientId);
  if (port !== undefined) {
    event.respondWith(routeAbsolute(request, url, scope, port, navigate));
    return;
  }
  // The app's own requests (its page, its workers): the offline cache's, else the network untouched.
  if (isAppPage(request.referrer, scope) || !event.clientId) {
    const answer = offline.respond(event);
    if (answer) event.respondWith(answer);
    return;
  }
  // No referrer to go by (a stylesheet's own absolute url(), a no-referrer page): ask which page this is.
  event.respondWith(
    (async () => {
      const client = await self.clients.get(event.clientId);
      const clientPort = portOfPage(client?.url, scope);
      if (clientPort === undefined) return offline.respond(event) ?? fetch(request);
      remember(event.clientId, clientPort);
      return routeAbsolute(request, url, scope, clientPort, navigate);
    })(),
  );
});

function routeAbsolute(request: Request, url: URL, scope: URL, port: number, navigate: boolean): Promise<Response> {
  const target = absolutePathTarget(url, scope, port) as PortTarget;
  // A page's link to `/about` goes to the preview's own `/about`, so that its relative links keep working.
  if (navigate) return Promise.resolve(Response.redirect(portUrl(scope, port, target.target), 302));
  return forward(request, target, navigate);
}

async function forward(request: Request, { port, target }: PortTarget, navigate: boolean): Promise<Response> {
  const document = navigate || request.destination === 'document' || request.destination === 'iframe';
  const failed = (failure: PortFailure) => errorResponse(port, failure, document);
  let body: Uint8Array | undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.length > MAX_REQUEST_BODY) {
      return failed({ code: 'BAD_RESPONSE', status: 413, message: `the request body is larger than ${MAX_REQUEST_BODY / (1024 * 1024)} MB` });
    }
    if (bytes.length > 0) body = bytes;
  }
  const headers = [...request.headers].filter(([name]) => !DROPPED_REQUEST_FIELDS.has(name.toLowerCase())) as [string, string][];
  const portRequest: PortHttpRequest = { port, method: request.method, target, headers, ...(body ? { body } : {}) };

  // Each page of the app that could host a machine, most recently focused first, until one takes the request.
  const clients = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const scope = new URL(self.registration.scope);
  let declined: PortFailure | null = null;
  for (const client of clients) {
    if (!isAppPage(client.url, scope)) continue;
    const channel = new MessageChannel();
    const message: PortRequestMessage = { type: 'drydock:port-request', request: portRequest };
    client.postMessage(message, [channel.port2]);
    const outcome = await responseFromPort(channel.port1, {
      acceptTimeoutMs: 10_000,
      headTimeoutMs: 120_000,
      location: (value) => previewLocation(value, scope, port),
    });
    if ('response' in outcome) return outcome.response;
    if (outcome.failure.code === 'DECLINED') {
      declined = outcome.failure;
      continue;
    }
    return failed(outcome.failure);
  }
  return failed({
    code: 'DECLINED',
    status: 503,
    message: declined ? `no drydock tab with a running machine (${declined.message})` : 'no drydock tab with a running machine is open',
  });
}
