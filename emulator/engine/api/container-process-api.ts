// The Engine API routes of the container daemon (daemon/daemon.ts): start, stop, kill, restart, pause, top, diff,
// stats, exec, attach, resize, and drydock's extensions (cp in the guest, the CLI's stdin chunks, `-it` on the
// learner's terminal, the CLI's small guest files). Decoding and status codes here; what happens is the daemon's.
import { apiPath, boolValue } from './route-request.ts';
import { decodePathSegment } from './path-segment.ts';
import { drydockCopyBody, drydockExitStatus, drydockStdinChunk, execOptions, execStartOptions } from './docker-types.ts';
import { readJsonBody } from './go-json.ts';
import { jsonResponse } from './http-errors.ts';
import { hijackedInput } from './hijack.ts';
import { jsonLinesResponse, outputResponse } from './output-response.ts';
import type { GuestExitStatus } from '../runtime/guest-exec.ts';
import type { ContainerDaemon, CopyBody } from '../daemon/daemon.ts';

const noContent = () => new Response(null, { status: 204 });
const notModified = () => new Response(null, { status: 304 });
const ok = () => new Response(null, { status: 200 });

function base64Bytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const endOf = (body: { ExitCode?: number; Signal?: number }): GuestExitStatus =>
  body.Signal ? { exitCode: 128 + body.Signal, signal: body.Signal } : { exitCode: body.ExitCode ?? 0 };

/** Routes for the process side; undefined for anything else. */
export function createContainerProcessApi(p: ContainerDaemon): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    const q = url.searchParams;
    const path = apiPath(url);
    const method = request.method.toUpperCase();
    const c = /^\/containers\/([^/]+)\/([a-z-]+)$/.exec(path);
    if (c) {
      const ref = decodePathSegment(c[1] as string);
      const action = c[2];
      if (method === 'POST' && action === 'start') return (await p.start(ref)) ? noContent() : notModified();
      if (method === 'POST' && action === 'stop') {
        const t = q.get('t') ?? q.get('timeout');
        return (await p.stop(ref, t !== null ? Number(t) : undefined, q.get('signal') ?? undefined)) ? noContent() : notModified();
      }
      if (method === 'POST' && action === 'restart') {
        const t = q.get('t');
        await p.restart(ref, t !== null ? Number(t) : undefined);
        return noContent();
      }
      if (method === 'POST' && action === 'kill') {
        await p.kill(ref, q.get('signal') || 'SIGKILL');
        return noContent();
      }
      if (method === 'POST' && action === 'pause') return p.pause(ref).then(noContent);
      if (method === 'POST' && action === 'unpause') return p.unpause(ref).then(noContent);
      if (method === 'GET' && action === 'top') return jsonResponse(await p.top(ref));
      if (method === 'GET' && action === 'changes') return jsonResponse(await p.changes(ref));
      if (method === 'GET' && action === 'stats') {
        const stream = q.get('stream');
        if (stream === null || boolValue(stream)) return jsonLinesResponse(p.statsStream(ref, request.signal));
        return jsonResponse(await p.stats(ref, { oneShot: boolValue(q.get('one-shot')) }, request.signal));
      }
      if (method === 'POST' && action === 'exec') {
        const body = (await readJsonBody(request, execOptions, { emptyOk: true })) ?? {};
        return jsonResponse({ Id: p.createExec(ref, body) }, 201);
      }
      if (method === 'POST' && action === 'attach') {
        const options = { stream: boolValue(q.get('stream')), logs: boolValue(q.get('logs')), stdin: boolValue(q.get('stdin')), stdout: boolValue(q.get('stdout')), stderr: boolValue(q.get('stderr')) };
        return outputResponse(p.attach(ref, options, hijackedInput(request), request.signal));
      }
      // A terminal size for the container's pty: 200 as dockerd, also when it has none.
      if (method === 'POST' && action === 'resize') return p.resize(ref, Number(q.get('h')), Number(q.get('w'))).then(ok);
      if (method === 'POST' && action === 'drydock-cp') return jsonResponse(await p.copy(ref, (await readJsonBody(request, drydockCopyBody)) as CopyBody));
      if (method === 'POST' && action === 'drydock-stdin') {
        // drydock extension: the attached client's stdin, a chunk per request (Docker hijacks the attach connection)
        const body = (await readJsonBody(request, drydockStdinChunk, { emptyOk: true })) ?? {};
        await p.writeStdin(ref, body.Data ? base64Bytes(body.Data) : new Uint8Array(), body.Eof === true);
        return noContent();
      }
      if (method === 'POST' && action === 'drydock-interactive') return jsonResponse({ Argv: await p.interactive(ref) });
      if (method === 'POST' && action === 'drydock-exited') {
        await p.interactiveEnded(ref, endOf((await readJsonBody(request, drydockExitStatus)) ?? {}));
        return noContent();
      }
    }
    if (method === 'GET' && path === '/drydock/guest-file') {
      const bytes = await p.guestFile(q.get('path') ?? '');
      return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } });
    }
    const e = /^\/exec\/([^/]+)\/([a-z-]+)$/.exec(path);
    if (e) {
      const id = decodePathSegment(e[1] as string);
      const action = e[2];
      if (method === 'POST' && action === 'start') {
        const body = (await readJsonBody(request, execStartOptions, { emptyOk: true })) ?? {};
        const output = await p.startExec(id, { detach: body.Detach === true, consoleSize: body.ConsoleSize ?? null }, hijackedInput(request), request.signal);
        // detached: started, 200 with nothing to stream
        return output ? outputResponse(output) : ok();
      }
      if (method === 'POST' && action === 'resize') return p.resizeExec(id, Number(q.get('h')), Number(q.get('w'))).then(ok);
      if (method === 'GET' && action === 'json') return jsonResponse(p.execJson(id));
      if (method === 'POST' && action === 'drydock-argv') return jsonResponse({ Argv: await p.execArgv(id) });
      if (method === 'POST' && action === 'drydock-exited') {
        p.execEnded(id, endOf((await readJsonBody(request, drydockExitStatus)) ?? {}));
        return noContent();
      }
    }
    return undefined;
  };
}
