// The guest's `docker` command end to end: shim in the guest, agent relay, ShimSessions and a test handler on the host.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliSession } from '../../emulator/engine/cli/cli-session.ts';
import { ShimSessions } from '../../emulator/vm/channel/shim-sessions.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { restoreGuest, sh, text } from './guest.ts';

const UNREACHABLE = 'Cannot connect to the Docker daemon at unix:///run/drydock/engine.sock. Is the docker daemon running?\n';
/** 20 KB of output: several windows of frames through the shim's ACKs */
const BIG = Array.from({ length: 2000 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join('');

let machine: Machine;
const aborted: string[] = [];

/** Stands in for the engine's CLI: each "command" exercises one part of the session. */
async function handler(session: CliSession): Promise<void> {
  const [command, ...rest] = session.argv;
  switch (command) {
    case 'noop':
      return session.exit(0);
    case 'cat-stdin': {
      session.stdout(new Uint8Array(await new Response(session.stdin).arrayBuffer()));
      return session.exit(0);
    }
    case 'spawn': {
      const end = await session.spawn({ argv: ['sh', '-c', 'echo "child $PWD $GREETING"; echo child-err >&2; exit 3'], env: ['GREETING=hi', 'PATH=/bin'], cwd: '/tmp' });
      session.stdout(`${JSON.stringify(end)}\n`);
      return session.exit('exitCode' in end ? end.exitCode : 128 + end.signal);
    }
    case 'exit':
      return session.exit(Number(rest[0]));
    case 'big':
      session.stdout(BIG);
      return session.exit(0);
    case 'run-it': {
      // What `docker run -it` does: a shell that owns the learner's terminal, then the engine reports.
      session.stdout(`tty=${JSON.stringify(session.tty ?? null)} term=${session.env.TERM}\n`);
      const end = await session.spawn({ argv: ['sh'], env: ['PS1=container# ', 'PATH=/bin:/usr/bin', `TERM=${session.env.TERM}`] });
      session.stdout(`child ended ${JSON.stringify(end)}\n`);
      return session.exit('exitCode' in end ? end.exitCode : 128 + end.signal);
    }
    case 'hang':
      await new Promise<void>((resolve) => session.signal.addEventListener('abort', () => resolve()));
      aborted.push(rest.join(' '));
      return;
    default:
      session.stdout(`argv=${JSON.stringify(session.argv)}\n`);
      session.stderr(`cwd=${session.cwd} env=${JSON.stringify(session.env)} tty=${JSON.stringify(session.tty ?? null)} stdin=${session.hasStdin}\n`);
      return session.exit(0);
  }
}

beforeAll(async () => {
  machine = await restoreGuest();
});
afterAll(async () => {
  await machine?.destroy();
});

describe('docker shim without an engine', () => {
  it('says the daemon is unreachable, like Docker, and exits 1', async () => {
    const r = await machine.agent.exec(['docker', 'ps']);
    expect([r.exitCode, text(r.stdout), text(r.stderr)]).toEqual([1, '', UNREACHABLE]);
    // Same words when the agent's socket is not there at all (the shim cannot connect).
    const gone = await machine.agent.exec(['sh', '-c', 'mv /run/drydock/engine.sock /run/drydock/away; docker ps; s=$?; mv /run/drydock/away /run/drydock/engine.sock; exit $s']);
    expect([gone.exitCode, text(gone.stderr)]).toEqual([1, UNREACHABLE]);
  });
});

describe('docker shim with a handler', () => {
  let sessions: ShimSessions;
  beforeAll(() => {
    sessions = new ShimSessions(machine.agent, handler, { onError: (e) => console.warn(`[shim] ${e.message}`) });
  });
  afterAll(() => sessions?.dispose());

  // its whole environment, as the docker CLI reads its own (`-e NAME`, env-file lines with only a name)
  it('sends argv, cwd and its environment, and prints what the engine says', async () => {
    const r = await machine.agent.exec(['docker', 'a', 'b c', ''], { cwd: '/proc', env: { PATH: '/usr/bin:/bin', TERM: 'dumb', DOCKER_CONTEXT: 'x', HOME: '/root' } });
    expect(r.exitCode).toBe(0);
    expect(text(r.stdout)).toBe('argv=["a","b c",""]\n');
    expect(text(r.stderr)).toBe('cwd=/proc env={"PATH":"/usr/bin:/bin","TERM":"dumb","DOCKER_CONTEXT":"x","HOME":"/root"} tty=null stdin=false\n');
  });

  it('relays stdin from a pipe', async () => {
    expect(await sh(machine, 'echo hi | docker cat-stdin')).toBe('hi\n');
    const input = new Uint8Array(30_000).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
    await machine.agent.writeFile('/tmp/shim-input', input);
    const relayed = await sh(machine, 'docker cat-stdin < /tmp/shim-input | sha256sum', { timeoutMs: 60_000 });
    expect(relayed.split(' ')[0]).toBe(createHash('sha256').update(input).digest('hex'));
  });

  it('spawns a child on the shim and exits with its status', async () => {
    const r = await machine.agent.exec(['docker', 'spawn']);
    expect([r.exitCode, text(r.stdout), text(r.stderr)]).toEqual([3, 'child /tmp hi\n{"exitCode":3}\n', 'child-err\n']);
  });

  it('exits with the status the engine gives and delivers long output in order', async () => {
    expect((await machine.agent.exec(['docker', 'exit', '42'])).exitCode).toBe(42);
    const big = await machine.agent.exec(['docker', 'big'], { timeoutMs: 60_000 });
    expect(big.exitCode).toBe(0);
    expect(createHash('sha256').update(big.stdout).digest('hex')).toBe(createHash('sha256').update(BIG).digest('hex'));
  });

  it('aborts the session when the shim is killed (SIGTERM)', async () => {
    await sh(machine, 'docker hang first & pid=$!; sleep 1; kill -TERM $pid; wait $pid; echo "status $?"');
    await expect.poll(() => aborted, { timeout: 10_000 }).toEqual(['first']);
    expect(sessions.active).toBe(0);
  });

  it('gives a spawned shell the learner\'s terminal: ^C reaches it, not the shim', async () => {
    await machine.resize(100, 30);
    let mark = machine.consoleMark();
    machine.sendConsoleInput('docker run-it\r');
    await machine.waitForConsole(/container# (?:\x1b\[(?:6n|J))*$/, { since: mark, timeoutMs: 20_000 });
    expect(machine.consoleText(mark)).toContain('tty={"rows":30,"cols":100} term=xterm-256color');
    mark = machine.consoleMark();
    machine.sendConsoleInput('sleep 30\r');
    await new Promise((r) => setTimeout(r, 500));
    machine.sendConsoleInput('\x03');
    await machine.waitForConsole(/container# (?:\x1b\[(?:6n|J))*$/, { since: mark, timeoutMs: 20_000 });
    mark = machine.consoleMark();
    machine.sendConsoleInput('tty; exit 5\r');
    const shown = await machine.waitForConsole(/child ended \{"exitCode":5\}\r?\n[^]*[#$] (?:\x1b\[(?:6n|J))*$/, { since: mark, timeoutMs: 20_000 });
    expect(shown).toContain('/dev/ttyS0');
    mark = machine.consoleMark();
    machine.sendConsoleInput('echo "status=$?"\r');
    await machine.waitForConsole(/status=5/, { since: mark, timeoutMs: 10_000 });
  });

  it('aborts the session on ^C at the prompt', async () => {
    const mark = machine.consoleMark();
    machine.sendConsoleInput('docker hang console\r');
    await expect.poll(() => sessions.active, { timeout: 10_000 }).toBe(1);
    machine.sendConsoleInput('\x03');
    await expect.poll(() => aborted, { timeout: 10_000 }).toContain('console');
    machine.sendConsoleInput('echo "status=$?"\r');
    await machine.waitForConsole(/status=130/, { since: mark, timeoutMs: 10_000 });
  });

  it('measures the round trip of a no-op docker command', async () => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const r = await machine.agent.exec(['docker', 'noop']);
      times.push(performance.now() - t0);
      expect(r.exitCode).toBe(0);
    }
    // Inside the guest, without the exec round trip around it:
    const inGuest = await sh(machine, "a=$(cut -d' ' -f1 /proc/uptime); for i in 1 2 3 4 5 6 7 8 9 10; do docker noop; done; b=$(cut -d' ' -f1 /proc/uptime); echo \"$a $b\"");
    const [a, b] = inGuest.trim().split(' ').map(Number);
    times.sort((a, b) => a - b);
    console.log(`[docker-shim] exec(docker noop): median ${times[5]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms; in-guest loop: ${(((b! - a!) * 1000) / 10).toFixed(0)} ms per docker noop`);
  });
});
