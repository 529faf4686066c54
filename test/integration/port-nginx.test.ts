// The nginx image served to the page through the worker's API (EmulatorApi.forwardHttp, as the service worker reaches
// it), until `-p` publishes container ports: `--network host` puts nginx on the guest's own eth0:80.
import { describe, expect, it } from 'vitest';
import type { PortHttpRequest } from '../../emulator/protocol.ts';
import { responseFromPort } from '../../web/preview/port-response.ts';
import { imagesBuilt, useEngineGuest, type EngineGuest } from './engine-guest.ts';

async function fetchPort(guest: EngineGuest, request: Omit<PortHttpRequest, 'headers'> & { headers?: [string, string][] }): Promise<Response> {
  const channel = new MessageChannel();
  channel.port2.postMessage({ type: 'accepted' });
  await guest.machine.emulator.forwardHttp({ headers: [['Accept', 'text/html']], ...request }, channel.port2);
  const outcome = await responseFromPort(channel.port1, { acceptTimeoutMs: 5_000, headTimeoutMs: 60_000 });
  if ('failure' in outcome) throw new Error(`no response: ${JSON.stringify(outcome.failure)}`);
  return outcome.response;
}

describe.skipIf(!imagesBuilt('nginx'))('nginx in the guest, seen from the page', () => {
  const guest = useEngineGuest({ pull: ['nginx'] });

  it('serves its welcome page, HEAD and 404 through the worker', { timeout: 300_000 }, async () => {
    const run = await guest.docker('run -d --network host --name web nginx');
    expect(run.status, run.err).toBe(0);
    // nginx listens once the kernel says so (bounded: 30 s)
    const listening = await guest.sh('for i in $(seq 300); do netstat -ltn | grep -q ":80 " && exit 0; usleep 100000; done; exit 1');
    expect(listening.status, 'nginx listening on :80').toBe(0);

    const page = await fetchPort(guest, { port: 80, method: 'GET', target: '/' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html');
    expect(page.headers.get('server')).toMatch(/^nginx/);
    expect(await page.text()).toContain('<title>Welcome to nginx!</title>');

    const head = await fetchPort(guest, { port: 80, method: 'HEAD', target: '/index.html' });
    expect([head.status, head.body]).toEqual([200, null]);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);

    const missing = await fetchPort(guest, { port: 80, method: 'GET', target: '/nope' });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('404 Not Found');

    // the request reached nginx as a browser's on the machine's host would send it
    const logs = await guest.docker('logs web');
    expect(logs.out).toMatch(/^192\.168\.86\.1 - - \[.+\] "GET \/ HTTP\/1\.1" 200 /m);

    expect((await guest.docker('rm -f web')).status).toBe(0);
    const gone = await fetchPort(guest, { port: 80, method: 'GET', target: '/' }).catch((error: Error) => error.message);
    expect(gone).toContain('"code":"REFUSED"');
  });
});
