// The stock docker CLI runs containers through `npm run engine:serve`: attach and exec start hijack the connection
// (HTTP upgrade to tcp), stdout and stderr arrive demultiplexed, stdin goes in with -i, the exit status is the
// container's, and `--rm` leaves nothing behind. A real guest, the static registry from public/registry.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServe, type EngineServeProcess } from './engine-serve-process.ts';

const DOCKER = '/usr/local/bin/docker';
/** util-linux's script(1): a pty for the CLI's `-it` (it refuses a stdin that is not a terminal) */
const SCRIPT = '/usr/bin/script';
const ROOT = resolve(import.meta.dirname, '../..');
const built = existsSync(resolve(ROOT, 'public/registry/v2/busybox')) || existsSync(resolve(ROOT, 'public/registry/v2/library/busybox'));

interface Run {
  status: number | null;
  out: string;
  err: string;
  ms: number;
}

describe.skipIf(!existsSync(DOCKER) || !built)(`stock docker CLI (${DOCKER}) runs containers through engine:serve`, () => {
  let engine: EngineServeProcess;
  const timings: string[] = [];

  beforeAll(async () => {
    engine = await startEngineServe('drydock-stock-run-');
    const pull = await docker(['pull', '-q', 'busybox']);
    expect(pull.status, pull.err).toBe(0);
  }, 180_000);
  afterAll(async () => {
    if (timings.length) console.log(`[stock-cli-containers] ${timings.join('; ')}`);
    if (engine && engine.server.exitCode !== null) console.log(`[stock-cli-containers] engine:serve exited with ${engine.server.exitCode}:\n${engine.log().slice(-4000)}`);
    await engine?.stop();
  });
  // a failed test's containers would fail every later noContainers(): they go, so only the cause is reported
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const left = (await docker(['ps', '-aq'])).out.split('\n').filter(Boolean);
    if (left.length) await docker(['rm', '-f', ...left]);
  });

  /** Runs a program to its end with `input` as its stdin (closed after it), bounded. */
  function exec(file: string, args: string[], input?: string, timeoutMs = 120_000): Promise<Run> {
    const started = Date.now();
    return new Promise((resolveRun) => {
      const child = spawn(file, args, { env: engine.env(), stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolveRun({ status, out, err, ms: Date.now() - started });
      });
      if (input !== undefined) child.stdin.end(input);
      else child.stdin.end();
    });
  }
  const docker = (args: string[], input?: string) => exec(DOCKER, args, input);

  /**
   * `line` under script(1)'s pty, each input typed only once what comes before it has shown (and `ready` holds): the
   * docker CLI has then put the terminal raw, so what shows twice was echoed twice. Bounded.
   */
  function typed(line: string, steps: { after: RegExp; ready?: () => boolean; send: string | (() => Promise<string>) }[], timeoutMs = 90_000): Promise<Run> {
    const started = Date.now();
    return new Promise((resolveRun, failRun) => {
      const child = spawn(SCRIPT, ['-qec', line, '/dev/null'], { env: engine.env(), stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let at = 0;
      let busy = false;
      const next = () => {
        const step = steps[at];
        if (busy || !step || !step.after.test(out) || (step.ready && !step.ready())) return;
        at++;
        busy = true;
        void (typeof step.send === 'string' ? Promise.resolve(step.send) : step.send()).then(
          (bytes) => {
            busy = false;
            child.stdin.write(bytes);
            if (at === steps.length) child.stdin.end();
            else next();
          },
          (e: unknown) => (child.kill('SIGKILL'), failRun(e)),
        );
      };
      const poll = setInterval(next, 100);
      child.stdout.on('data', (d: Buffer) => ((out += d.toString()), next()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (status) => {
        clearTimeout(timer);
        clearInterval(poll);
        if (at < steps.length || busy) {
          failRun(new Error(`typed: ${busy ? `step ${at - 1} was sending` : `step ${at} waited for ${steps[at]?.after}${steps[at]?.ready?.() === false ? ' (not ready)' : ''}`} when the terminal closed (status ${status}, ${Date.now() - started} ms); the output ended with ${JSON.stringify(out.slice(-800))}; stderr ${JSON.stringify(err.slice(-400))}; engine:serve's log ended with\n${engine.log().slice(-1500)}`));
        } else resolveRun({ status, out, err, ms: Date.now() - started });
      });
    });
  }
  /**
   * How often `typed` shows without a shell's prompt right before it: the container's pty echo follows the prompt, and
   * so does ash's redraw of the line after a SIGWINCH; a terminal still in cooked mode would echo it once more, bare.
   */
  const unprompted = (out: string, typed: string) => out.split(typed).slice(0, -1).filter((before) => !/# (?:\x1b\[(?:6n|J))*$/.test(before)).length;
  /** true once engine:serve has logged one more request matching `re` than it had when this was called */
  const another = (re: RegExp) => {
    const seen = (engine.log().match(new RegExp(re.source, 'g')) ?? []).length;
    return () => (engine.log().match(new RegExp(re.source, 'g')) ?? []).length > seen;
  };
  /** Resolves once a process called `name` runs in the container (docker exec pidof), bounded. */
  const untilRunning = async (container: string, name: string) => {
    for (const t0 = Date.now(); (await docker(['exec', container, 'pidof', name])).out.trim() === ''; ) {
      expect(Date.now() - t0, `${name} runs in ${container}`).toBeLessThan(30_000);
    }
  };
  /** A POST on the engine's socket (what a client's resize sends); resolves with the status. */
  const post = (path: string) =>
    new Promise<number>((ok, fail) => {
      const req = httpRequest({ socketPath: engine.socket, method: 'POST', path }, (res) => (res.resume(), res.on('end', () => ok(res.statusCode ?? 0))));
      req.on('error', fail);
      req.end();
    });
  const noContainers = async () => expect((await docker(['ps', '-aq'])).out).toBe('');

  it('run --rm busybox echo hi: prints hi, exits 0, leaves no container', async () => {
    const r = await docker(['run', '--rm', 'busybox', 'echo', 'hi']);
    expect(r, engine.log().slice(-2000)).toMatchObject({ status: 0, out: 'hi\n', err: '' });
    timings.push(`run --rm echo hi ${r.ms} ms`);
    expect(engine.log()).toMatch(/POST \/v1\.\d+\/containers\/[0-9a-f]{64}\/attach\?stderr=1&stdout=1&stream=1 -> 101/);
    await noContainers();
  });

  it('events: the stock CLI reads what a run --rm did, in dockerd\'s order, and a kill with its signal', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    expect((await docker(['run', '--rm', '--name', 'ev', 'busybox', 'true'])).status).toBe(0);
    expect((await docker(['run', '-d', '--name', 'ev2', 'busybox', 'sleep', '60'])).status).toBe(0);
    expect((await docker(['kill', 'ev2'])).status).toBe(0);
    expect((await docker(['rm', 'ev2'])).status).toBe(0);
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const format = '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "exitCode"}}{{index .Actor.Attributes "signal"}}';
    const r = await docker(['events', '--since', since, '--until', until, '--filter', 'type=container', '--filter', 'container=ev', '--filter', 'container=ev2', '--format', format]);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      ['create ev ', 'attach ev ', 'start ev ', 'die ev 0', 'destroy ev ', 'create ev2 ', 'start ev2 ', 'kill ev2 9', 'die ev2 137', 'destroy ev2 ', ''].map((l) => (l ? `container ${l}` : l)).join('\n'),
    );
  });

  it("stdout and stderr apart, and the container's exit status", async () => {
    const r = await docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ status: 3, out: 'out\n', err: 'err\n' });
    const kept = await docker(['run', '--name', 'kept', 'busybox', 'sh', '-c', 'echo kept; exit 42']);
    expect(kept).toMatchObject({ status: 42, out: 'kept\n' });
    expect((await docker(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).out).toMatch(/^kept Exited \(42\) /);
    expect((await docker(['rm', 'kept'])).status).toBe(0);
    await noContainers();
  });

  it('run -i: piped stdin reaches the container, its end is EOF', async () => {
    const r = await docker(['run', '-i', '--rm', 'busybox', 'cat'], 'hi\n');
    expect(r).toMatchObject({ status: 0, out: 'hi\n', err: '' });
    timings.push(`echo hi | run -i --rm cat ${r.ms} ms`);
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const wc = await docker(['run', '-i', '--rm', 'busybox', 'wc', '-l'], lines);
    expect(wc.out.trim()).toBe('200');
    await noContainers();
  });

  it('run -t: one raw stream (no stdcopy frames), stderr in it, from a pty of the container\'s own', async () => {
    const r = await docker(['run', '-t', '--rm', 'busybox', 'sh', '-c', 'echo hi; echo err >&2']);
    expect(r.status).toBe(0);
    // the pty's line discipline turns \n into \r\n, as on Docker
    expect(r.out).toBe('hi\r\nerr\r\n');
    const tty = await docker(['run', '-t', '--rm', 'busybox', 'tty']);
    expect(tty).toMatchObject({ status: 0, out: '/dev/pts/0\r\n' });
    timings.push(`run -t --rm tty ${tty.ms} ms`);
    await noContainers();
  });

  it.skipIf(!existsSync(SCRIPT))('run -it under a terminal: typed input runs, the size is sent, the exit status comes back', async () => {
    const r = await exec(SCRIPT, ['-qec', 'stty rows 30 cols 100; docker run -it --rm busybox sh', '/dev/null'], 'echo $((6*7))\nexit 4\n');
    expect(r.status).toBe(4);
    expect(r.out).toContain('42');
    expect(engine.log()).toMatch(/POST \/v1\.\d+\/containers\/[0-9a-f]{64}\/resize\?h=30&w=100 -> 200/);
    await noContainers();
  });

  it.skipIf(!existsSync(SCRIPT))('run -it: the pty is /dev/pts/0 with the terminal\'s size, echoes once, ^C interrupts, a resize reaches stty', { timeout: 150_000 }, async () => {
    const resized = another(/\/containers\/[0-9a-f]{64}\/resize\?h=30&w=100 -> 200/);
    const r = await typed('stty rows 30 cols 100; docker run -it --rm --name tty1 busybox sh; echo "status=$?"', [
      // the CLI sizes the pty right after the start: typed once that has been answered
      { after: /# (?:\x1b\[(?:6n|J))*$/, ready: resized, send: 'tty; stty size\r' },
      { after: /30 100\r\n.*# (?:\x1b\[(?:6n|J))*$/s, send: 'sleep 30\r' },
      // ^C once sleep runs (the shell has made it the terminal's foreground job by then)
      { after: /sleep 30\r\n$/, send: async () => (await untilRunning('tty1', 'sleep'), '\x03') },
      // the shell's prompt again, sleep killed by SIGINT (rc=130, where its end would say 0); then a client's resize
      // (the API's: ash redraws its line at the SIGWINCH)
      { after: /sleep 30\r\n.*# (?:\x1b\[(?:6n|J))*$/s, send: async () => (expect(await post('/v1.43/containers/tty1/resize?h=41&w=123')).toBe(200), 'echo rc=$?; stty size\r') },
      { after: /stty size\r\nrc=130\r\n41 123\r\n.*# (?:\x1b\[(?:6n|J))*$/s, send: 'exit 4\r' },
    ]);
    expect(r.out).toContain('/dev/pts/0\r\n30 100\r\n');
    expect(r.out).toContain('stty size\r\nrc=130\r\n41 123\r\n');
    // typed once, echoed once: by the container's pty, not by a terminal in cooked mode as well
    expect(r.out).toContain('tty; stty size');
    expect(unprompted(r.out, 'tty; stty size')).toBe(0);
    expect(r.out).toContain('status=4');
    await noContainers();
  });

  it('a failed start with --rm leaves nothing (127, as Docker)', async () => {
    const r = await docker(['run', '--rm', 'busybox', 'nosuchcommand']);
    expect(r.status).toBe(127);
    expect(r.err).toContain('executable file not found in $PATH');
    await noContainers();
    // a refusal before the runtime (moby's containerStart removes an AutoRemove container whatever failed)
    const device = await docker(['run', '--rm', '--device', '/dev/nosuchdevice', 'busybox', 'true']);
    expect(device.status).not.toBe(0);
    expect(device.err).toContain('error gathering device information while adding custom device "/dev/nosuchdevice"');
    await noContainers();
  });

  it('exec, exec -i and exec -it into a running container; attach sees its output', { timeout: 150_000 }, async () => {
    expect((await docker(['run', '-d', '--name', 'svc', 'busybox', 'sleep', '600'])).status).toBe(0);
    const e = await docker(['exec', 'svc', 'sh', '-c', 'echo in-exec; echo e2 >&2; exit 5']);
    expect(e).toMatchObject({ status: 5, out: 'in-exec\n', err: 'e2\n' });
    timings.push(`exec ${e.ms} ms`);
    expect(await docker(['exec', '-i', 'svc', 'cat'], 'piped\n')).toMatchObject({ status: 0, out: 'piped\n' });
    if (existsSync(SCRIPT)) {
      const it = await exec(SCRIPT, ['-qec', 'stty rows 30 cols 100; docker exec -it svc sh', '/dev/null'], 'echo $((6*7))\nexit 6\n');
      expect(it.status).toBe(6);
      expect(it.out).toContain('42');
      // exec -it gets a pty of the container's devpts (svc has none of its own: the first one), sized by the CLI's
      // ExecStartOptions.ConsoleSize and resize
      const tty = await typed('stty rows 33 cols 90; docker exec -it svc sh; echo "status=$?"', [
        { after: /# (?:\x1b\[(?:6n|J))*$/, send: 'tty; stty size\r' },
        { after: /33 90\r\n.*# (?:\x1b\[(?:6n|J))*$/s, send: 'exit 3\r' },
      ]);
      expect(tty.out).toContain('/dev/pts/0\r\n33 90\r\n');
      expect(unprompted(tty.out, 'tty; stty size')).toBe(0);
      expect(tty.out).toContain('status=3');
    }

    // docker attach: the container's output from now on; the marker is written until it shows (bounded)
    const attach = spawn(DOCKER, ['attach', 'svc'], { env: engine.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    attach.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    const attachEnd = new Promise<number | null>((ok) => attach.on('close', ok));
    for (const t = Date.now(); !seen.includes('to-pid1'); ) {
      expect(Date.now() - t, 'attach shows what PID 1 writes').toBeLessThan(60_000);
      await docker(['exec', 'svc', 'sh', '-c', 'echo to-pid1 > /proc/1/fd/1']);
    }
    expect((await docker(['kill', 'svc'])).status).toBe(0);
    expect(await attachEnd).toBe(137);
    expect((await docker(['rm', 'svc'])).status).toBe(0);
    await noContainers();
  });

  it.skipIf(!existsSync(SCRIPT))('run -dit, then attach: the shell answers typed commands on its pty; ctrl-p ctrl-q leaves it running', { timeout: 150_000 }, async () => {
    expect((await docker(['run', '-dit', '--name', 'bg', 'busybox', 'sh'])).status).toBe(0);
    // attached with stdin, and the pty sized to this terminal (the CLI resizes right after it attaches)
    const withStdin = another(/POST \/v1\.\d+\/containers\/(?:bg|[0-9a-f]{64})\/attach\?[^ ]*stdin=1[^ ]* -> 101/);
    const sized = another(/POST \/v1\.\d+\/containers\/(?:bg|[0-9a-f]{64})\/resize\?h=25&w=70 -> 200/);
    const attached = () => withStdin() && sized();
    const r = await typed('stty rows 25 cols 70; docker attach bg; echo "status=$?"', [
      // attach shows what comes from now on: Enter brings a prompt, as on Docker
      { after: /^/, ready: attached, send: '\r' },
      { after: /# (?:\x1b\[(?:6n|J))*$/, send: 'echo $((6*7)); stty size\r' },
      { after: /42\r\n25 70\r\n.*# (?:\x1b\[(?:6n|J))*$/s, send: '\x10\x11' },
      { after: /status=\d+/, send: '' },
    ]);
    // docker 28's words and status for a detach
    expect(r.out).toMatch(/read escape sequence\r?\nstatus=1/);
    expect(r.out).toContain('42\r\n25 70\r\n');
    expect(unprompted(r.out, 'echo $((6*7))')).toBe(0);
    expect((await docker(['inspect', '--format', '{{.State.Status}}', 'bg'])).out).toBe('running\n');
    expect((await docker(['rm', '-f', 'bg'])).status).toBe(0);
    await noContainers();
  });

  it('logs -f follows a container to its end', async () => {
    expect((await docker(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 1; done'])).status).toBe(0);
    const r = await docker(['logs', '-f', 'ticker']);
    expect(r).toMatchObject({ status: 0, out: 'tick 1\ntick 2\ntick 3\n' });
    expect((await docker(['rm', 'ticker'])).status).toBe(0);
  });

  /**
   * What the guest still holds for containers other than the one asking: bundles, overlay mounts, cgroups. Read from
   * a privileged container in the guest's PID namespace (engine:serve is another process: no guest handle here).
   */
  const guestLeftovers = async (): Promise<string> => {
    const script = [
      'me=$(hostname); g=/proc/1/root',
      'ls $g/var/lib/drydock/containers | grep -v "^$me"',
      'grep " overlay " /proc/1/mounts | grep -v "$me"',
      'find $g/sys/fs/cgroup/drydock -mindepth 1 -type d | grep -v "/$me"',
      'true',
    ].join('; ');
    const r = await docker(['run', '--rm', '--privileged', '--pid', 'host', 'busybox', 'sh', '-c', script]);
    expect(r.status, r.err).toBe(0);
    return r.out.trim();
  };

  // The issue's proof is 200 (DRYDOCK_STOCK_SOAK_RUNS=200: 307 s here, all passed); CI runs 50 of them for its time
  // budget, 8 at a time all the same.
  const SOAK_RUNS = Number(process.env['DRYDOCK_STOCK_SOAK_RUNS'] ?? 50);
  it(`${SOAK_RUNS} × run --rm busybox true, 8 at a time: each exits 0, and no container, mount or cgroup is left`, async () => {
    const times: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < SOAK_RUNS) {
        const i = next++;
        const r = await docker(['run', '--rm', 'busybox', 'true']);
        expect(r, `run ${i}: ${r.err}`).toMatchObject({ status: 0, out: '', err: '' });
        times.push(r.ms);
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 8 }, worker));
    times.sort((a, b) => a - b);
    timings.push(`${SOAK_RUNS} × run --rm true, 8 at a time: ${Date.now() - t0} ms in all, each median ${times[Math.floor(times.length / 2)]} ms, max ${times.at(-1)} ms`);
    await noContainers();
    // --rm's guest side (unmount, cgroup removal) may end just after the CLI returns: waited for, bounded
    let left = await guestLeftovers();
    for (const until = Date.now() + 30_000; left !== '' && Date.now() < until; left = await guestLeftovers()) await new Promise((done) => setTimeout(done, 500));
    expect(left).toBe('');
  }, 1_800_000);

  it('bodies a script could send (curl on the socket): 400 with dockerd words, nothing stored, ps -a and inspect still work', async () => {
    /** One request on the engine's socket, as curl --unix-socket sends it. */
    const send = (method: string, path: string, body?: string, contentType = 'application/json') =>
      new Promise<{ status: number; message: string }>((ok, fail) => {
        const req = httpRequest({ socketPath: engine.socket, method, path, headers: body === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => ok({ status: res.statusCode ?? 0, message: ((JSON.parse(text || '{}') as { message?: string }).message ?? text).trim() }));
        });
        req.on('error', fail);
        req.end(body);
      });
    const stillListed = async () => {
      const ps = await docker(['ps', '-a', '--format', '{{.Names}} {{.Command}}']);
      expect(ps, ps.err).toMatchObject({ status: 0, err: '' });
      const inspect = await docker(['inspect', '--format', '{{json .Config.Cmd}} {{.HostConfig.Privileged}}', 'good']);
      expect(inspect).toMatchObject({ status: 0, out: '["true"] false\n' });
      return ps.out;
    };
    expect((await docker(['create', '--name', 'good', 'busybox', 'true'])).status).toBe(0);

    const refused: [string, string, string, string][] = [
      ['POST', '/v1.43/containers/create?name=bad1', '{"Image":"busybox","HostConfig":{"Privileged":"false"}}', 'invalid JSON: json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Privileged of type bool'],
      ['POST', '/v1.43/containers/create?name=bad2', '{"Image":"busybox","Cmd":[{"a":1}]}', 'invalid JSON: json: cannot unmarshal array into Go struct field CreateRequest.Config.Cmd of type string'],
      ['POST', '/v1.43/containers/create?name=bad3', '{"Image":"busybox","Env":{"A":"1"}}', 'invalid JSON: json: cannot unmarshal object into Go struct field CreateRequest.Config.Env of type []string'],
      ['POST', '/v1.43/containers/create?name=bad4', '{"Image":"busybox",', 'invalid JSON: unexpected EOF'],
      ['POST', '/v1.43/containers/good/exec', '{"Cmd":"sh"}', 'invalid JSON: json: cannot unmarshal string into Go struct field ExecOptions.Cmd of type []string'],
      ['POST', '/v1.43/networks/create', '{"Name":"n1","Internal":"no"}', 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.CreateOptions.Internal of type bool'],
      ['GET', '/v1.43/containers/%zz/json', '', 'invalid URL escape "%zz"'],
    ];
    for (const [method, path, body, message] of refused) {
      expect(await send(method, path, body || undefined), `${method} ${path} ${body}`).toEqual({ status: 400, message });
      expect(await stillListed()).toBe('good "true"\n');
    }
    expect((await docker(['network', 'ls', '--filter', 'name=n1', '-q'])).out).toBe('');

    // Docker's StrSlice: a string Cmd is one word
    expect((await send('POST', '/v1.43/containers/create?name=strcmd', '{"Image":"busybox","Cmd":"echo hi"}')).status).toBe(201);
    expect((await docker(['inspect', '--format', '{{json .Config.Cmd}}', 'strcmd'])).out).toBe('["echo hi"]\n');
    expect((await stillListed()).split('\n').sort()).toEqual(['', 'good "true"', 'strcmd "echo hi"']);
    expect((await docker(['rm', 'good', 'strcmd'])).status).toBe(0);
    await noContainers();
  });

  it('engine:serve is still up and reported no stray rejection', () => {
    expect(engine.server.exitCode).toBeNull();
    expect(engine.log()).not.toContain('[engine-serve] unhandled rejection');
  });
});
