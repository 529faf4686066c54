// HTTP from the page to a port of the real guest: the worker's forwarder (TCP through v86's adapter) and the service
// worker's reader (port-response.ts), joined by a MessageChannel as in the browser, against busybox httpd in the guest.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortHttpRequest } from '../../emulator/protocol.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { DEFAULT_LIMITS, forwardHttp, type ForwardHandle, type ForwardLimits } from '../../emulator/vm/port-forward/guest-http.ts';
import { PortSlots } from '../../emulator/vm/port-forward/port-slots.ts';
import { responseFromPort, type PortOutcome } from '../../web/preview/port-response.ts';
import { restoreGuest, sh } from './guest.ts';

const WEB = 8080;
const SILENT = 8081;
const FLOOD = 8082;
const ASSETS = 20;

interface Exchange {
  outcome: PortOutcome;
  handle: ForwardHandle;
  port: MessagePort;
}

/** as in the worker (emulator-service.ts): a few connections per port at once */
const slots = new PortSlots();

/** One request as the service worker and the worker make it (the page's "accepted" included). */
async function request(machine: Machine, req: Partial<PortHttpRequest> & { target: string }, limits: Partial<ForwardLimits> = {}): Promise<Exchange> {
  const channel = new MessageChannel();
  channel.port2.postMessage({ type: 'accepted' });
  const full: PortHttpRequest = { port: WEB, method: 'GET', headers: [['Accept', '*/*']], ...req };
  const handle = new Promise<ForwardHandle>((resolve) =>
    slots.run(full.port, () => {
      const h = forwardHttp((p) => machine.tcpConnect(p), full, channel.port2, { ...DEFAULT_LIMITS, ...limits });
      resolve(h);
      return h.done;
    }),
  );
  const outcome = await responseFromPort(channel.port1, { acceptTimeoutMs: 5_000, headTimeoutMs: 60_000 });
  return { outcome, handle: await handle, port: channel.port1 };
}

function response(outcome: PortOutcome): Response {
  if ('failure' in outcome) throw new Error(`expected a response, got ${JSON.stringify(outcome.failure)}`);
  return outcome.response;
}

describe('HTTP to a port of the guest', () => {
  let machine: Machine;
  let bigSha256 = '';

  beforeAll(async () => {
    machine = await restoreGuest();
    const assets = Array.from({ length: ASSETS }, (_, i) => `<img src="img/${i}.svg">`).join('');
    await sh(
      machine,
      [
        'set -e',
        'rm -rf /tmp/www && mkdir -p /tmp/www/cgi-bin /tmp/www/img',
        `printf '<!doctype html><title>drydock</title><h1>hello from the guest</h1>${assets}' > /tmp/www/index.html`,
        `for i in $(seq 0 ${ASSETS - 1}); do printf '<svg xmlns="http://www.w3.org/2000/svg"><text>%s</text></svg>' $i > /tmp/www/img/$i.svg; done`,
        'dd if=/dev/urandom of=/tmp/www/big.bin bs=1024 count=2048 2>/dev/null',
        // busybox httpd runs cgi-bin/ scripts: this one answers with the size and digest of the body it read
        `printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\nbody=$(head -c "$CONTENT_LENGTH" | sha256sum | cut -d" " -f1)\\necho "$REQUEST_METHOD $CONTENT_LENGTH $body"\\n' > /tmp/www/cgi-bin/echo`,
        'chmod +x /tmp/www/cgi-bin/echo',
        `busybox httpd -p ${WEB} -h /tmp/www </dev/null >/dev/null 2>&1`,
        // accepts and never answers (nc's input never ends)
        `printf 'sleep 100000 | busybox nc -l -p ${SILENT}\\n' > /tmp/silent.sh`,
        'sh /tmp/silent.sh </dev/null >/dev/null 2>&1 &',
        // answers with a header, then bytes without end
        `printf '{ printf "HTTP/1.0 200 OK\\\\r\\\\n\\\\r\\\\n"; cat /dev/zero; } | busybox nc -l -p ${FLOOD}\\n' > /tmp/flood.sh`,
        'sh /tmp/flood.sh </dev/null >/dev/null 2>&1 &',
        // the background servers listen once the kernel says so (bounded: 10 s)
        `for i in $(seq 100); do [ "$(netstat -ltn | grep -cE ':(${WEB}|${SILENT}|${FLOOD}) ')" = 3 ] && break; usleep 100000; done`,
        'sha256sum /tmp/www/big.bin | cut -d" " -f1',
      ].join('\n'),
    ).then((out) => (bigSha256 = out.trim()));
    const listening = await sh(machine, 'netstat -ltn');
    for (const port of [WEB, SILENT, FLOOD]) expect(listening).toContain(`:${port} `);
  });

  afterAll(async () => {
    await machine?.destroy();
  });

  it('gets a page with its Content-Type, the Host the server saw being localhost:<port>', async () => {
    const { outcome } = await request(machine, { target: '/index.html' });
    const r = response(outcome);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html');
    expect(await r.text()).toContain('<h1>hello from the guest</h1>');
  });

  it('downloads 2 MB intact', async () => {
    const t0 = performance.now();
    const { outcome } = await request(machine, { target: '/big.bin' });
    const r = response(outcome);
    expect(r.headers.get('content-length')).toBe(String(2 * 1024 * 1024));
    const bytes = new Uint8Array(await r.arrayBuffer());
    const ms = performance.now() - t0;
    expect(bytes.length).toBe(2 * 1024 * 1024);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(bigSha256);
    console.info(`2 MB from the guest in ${ms.toFixed(0)} ms (${(2 / (ms / 1000)).toFixed(2)} MB/s)`);
  });

  it('POSTs a form to a CGI script, and a 100 KB body', async () => {
    const form = new TextEncoder().encode('name=drydock&lesson=networking');
    const small = response((await request(machine, { method: 'POST', target: '/cgi-bin/echo', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: form })).outcome);
    expect(small.status).toBe(200);
    expect((await small.text()).trim()).toBe(`POST ${form.length} ${createHash('sha256').update(form).digest('hex')}`);

    const body = new Uint8Array(100 * 1024).map((_, i) => i % 251);
    const t0 = performance.now();
    const large = response((await request(machine, { method: 'POST', target: '/cgi-bin/echo', headers: [['Content-Type', 'application/octet-stream']], body })).outcome);
    expect((await large.text()).trim()).toBe(`POST ${body.length} ${createHash('sha256').update(body).digest('hex')}`);
    console.info(`100 KB POST body in ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('loads a page and its 20 assets at once', async () => {
    const t0 = performance.now();
    const page = await response((await request(machine, { target: '/' })).outcome).text();
    const sources = [...page.matchAll(/src="([^"]+)"/g)].map((m) => `/${m[1]}`);
    expect(sources).toHaveLength(ASSETS);
    const assets = await Promise.all(sources.map(async (target) => response((await request(machine, { target })).outcome)));
    const texts = await Promise.all(assets.map((a) => a.text()));
    expect(assets.map((a) => a.status)).toEqual(Array(ASSETS).fill(200));
    texts.forEach((t, i) => expect(t).toContain(`<text>${i}</text>`));
    console.info(`page + ${ASSETS} assets in ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('answers HEAD and a missing file as the server does', async () => {
    const head = response((await request(machine, { method: 'HEAD', target: '/big.bin' })).outcome);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(2 * 1024 * 1024));
    expect(head.body).toBeNull();
    const missing = response((await request(machine, { target: '/nope.html' })).outcome);
    expect(missing.status).toBe(404);
  });

  it('says nothing listens on a port at once, instead of hanging', async () => {
    const { outcome } = await request(machine, { port: 9, target: '/' });
    expect(outcome).toEqual({ failure: { code: 'REFUSED', status: 502, message: 'nothing listens on port 9 of the machine (connection refused)' } });
  });

  it('gives up on a server that accepts and never answers', async () => {
    const { outcome } = await request(machine, { port: SILENT, target: '/' }, { responseTimeoutMs: 1_500 });
    expect(outcome).toEqual({
      failure: { code: 'TIMEOUT', status: 504, message: `the server on port ${SILENT} accepted the connection but sent no response within 1.5 s` },
    });
  });

  it('stops a flooding server with a zero window while the reader is behind, and goes on when it reads', async () => {
    const limits = { windowBytes: 64 * 1024, pauseAtBytes: 128 * 1024, resumeAtBytes: 32 * 1024, maxBufferedBytes: 1024 * 1024 };
    const { outcome, handle } = await request(machine, { port: FLOOD, target: '/' }, limits);
    const r = response(outcome);
    // Nobody reads: the worker posts one window, buffers to the pause mark, and the guest's sender stops on the zero
    // window (its zero-window probe timer runs: "tr" 4 in /proc/net/tcp6, nc's socket being IPv6; 0x1F92 = 8082).
    const persisting = async () =>
      (await sh(machine, 'cat /proc/net/tcp /proc/net/tcp6')).split('\n').some((l) => / [0-9A-F]{8,32}:1F92 /.test(l) && / 04:[0-9A-F]{8} /.test(l));
    await expect.poll(persisting, { timeout: 20_000 }).toBe(true);
    const buffered = handle.bufferedBytes;
    expect(buffered).toBeGreaterThanOrEqual(limits.pauseAtBytes);
    // v86 answers probes; the window stays shut (buffer bounded by one more window of the guest's)
    expect(buffered).toBeLessThan(limits.pauseAtBytes + 128 * 1024);

    // Reading resumes the flow: well past what was buffered arrives.
    const reader = r.body!.getReader();
    let read = 0;
    while (read < 1024 * 1024) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      read += value!.length;
      expect(handle.bufferedBytes).toBeLessThanOrEqual(limits.maxBufferedBytes);
    }
    await reader.cancel();
    await handle.done;
  });
});
