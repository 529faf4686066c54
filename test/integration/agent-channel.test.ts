// The control channel against the real agent: exec round trips, exit codes, stdin, files, the 9p share, tty size, clock.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../emulator/engine/errors.ts';
import type { ShellEnd } from '../../emulator/protocol.ts';
import { GuestShells, type ShellPort } from '../../emulator/vm/guest-shells.ts';
import type { Machine } from '../../emulator/vm/machine.ts';
import { setHostConnected } from '../../emulator/vm/virtio-port.ts';
import { restoreGuest, sh, text } from './guest.ts';

let machine: Machine;
beforeAll(async () => {
  machine = await restoreGuest();
});
afterAll(async () => {
  await machine?.destroy();
});

const enc = new TextEncoder();

describe('agent exec', () => {
  it('separates stdout and stderr and reports the exit code', async () => {
    const ok = await machine.agent.exec(['echo', 'hello']);
    expect(ok.exitCode).toBe(0);
    expect(text(ok.stdout)).toBe('hello\n');
    expect(ok.stderr.length).toBe(0);
    const three = await machine.agent.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(three.exitCode).toBe(3);
    expect(text(three.stdout)).toBe('out\n');
    expect(text(three.stderr)).toBe('err\n');
  });

  it('answers 127 for a missing program and 126 for one that cannot be executed, like Docker', async () => {
    const bare = await machine.agent.exec(['no-such-program']);
    expect(bare.exitCode).toBe(127);
    expect(text(bare.stderr)).toMatch(/executable file not found in \$PATH/);
    const path = await machine.agent.exec(['/bin/no-such-program']);
    expect(path.exitCode).toBe(127);
    expect(text(path.stderr)).toMatch(/no such file or directory/);
    const notExecutable = await machine.agent.exec(['/etc/passwd']);
    expect(notExecutable.exitCode).toBe(126);
    expect(text(notExecutable.stderr)).toMatch(/permission denied/);
  });

  it('reports death by signal as 128 + n', async () => {
    const r = await machine.agent.exec(['sh', '-c', 'kill -9 $$']);
    expect(r).toMatchObject({ exitCode: 137, signal: 9 });
  });

  it('kills a command that outlives its timeout, with its whole process group', async () => {
    const t0 = performance.now();
    const error = await machine.agent.exec(['sh', '-c', 'sleep 31; echo late'], { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(5000);
    // The child sleep was in the same process group: gone too.
    await expect.poll(async () => (await sh(machine, 'ps -o args | grep -c "^sleep 31" || true')).trim(), { timeout: 5000 }).toBe('0');
  });

  it('passes environment, working directory and stdin', async () => {
    const r = await machine.agent.exec(['sh', '-c', 'echo "$GREETING"; pwd; echo "path=$PATH"'], { env: { GREETING: 'hi there', PATH: '/bin' }, cwd: '/proc' });
    expect(text(r.stdout)).toBe('hi there\n/proc\npath=/bin\n');
    const input = new Uint8Array(200_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
    const cat = await machine.agent.exec(['sha256sum'], { stdin: input, timeoutMs: 60_000 });
    expect(text(cat.stdout).split(' ')[0]).toBe(createHash('sha256').update(input).digest('hex'));
    const echo = await machine.agent.exec(['cat'], { stdin: 'line 1\nline 2\n' });
    expect(text(echo.stdout)).toBe('line 1\nline 2\n');
  });

  it('runs several commands at once on separate streams', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => machine.agent.exec(['sh', '-c', `sleep 0.$((${i} % 3)); echo job-${i}; exit ${i}`])),
    );
    expect(results.map((r) => [r.exitCode, text(r.stdout)])).toEqual(Array.from({ length: 6 }, (_, i) => [i, `job-${i}\n`]));
  });

  it('streams output of a running process before it exits', async () => {
    const chunks: string[] = [];
    const proc = machine.agent.spawn(['sh', '-c', 'echo first; read line; echo "got $line"'], {
      stdin: true,
      onStdout: (b) => chunks.push(text(b)),
    });
    expect(await proc.started).toBeGreaterThan(1);
    await expect.poll(() => chunks.join(''), { timeout: 5000 }).toBe('first\n');
    await proc.write('typed\n');
    await proc.closeStdin();
    expect(await proc.exit).toEqual({ exitCode: 0 });
    expect(chunks.join('')).toBe('first\ngot typed\n');
  });

  it('answers PING quickly', async () => {
    const ms = await machine.agent.ping();
    expect(ms).toBeLessThan(1000);
    expect(machine.health).toBe('ready');
  });
});

describe('files through the agent', () => {
  it('writes and reads files anywhere in the guest, keeping bytes and mode', async () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 13) & 0xff);
    await machine.agent.writeFile('/root/blob.bin', data, { mode: 0o600 });
    const inGuest = await sh(machine, 'stat -c %a /root/blob.bin; sha256sum /root/blob.bin');
    expect(inGuest.split('\n')[0]).toBe('600');
    expect(inGuest.split('\n')[1]!.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
    const back = await machine.agent.readFile('/root/blob.bin');
    expect(Buffer.from(back).equals(data)).toBe(true);
    expect(text(await machine.agent.readFile('/etc/hostname')).trim()).toBe('drydock');
  });

  it('reports a missing file as NOT_FOUND and leaves nothing behind on a failed write', async () => {
    await expect(machine.agent.readFile('/no/such/file')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(machine.agent.writeFile('/no/such/dir/file', 'x')).rejects.toBeInstanceOf(EngineError);
    expect(await sh(machine, 'ls /no 2>/dev/null | wc -l')).toBe('0\n');
  });
});

describe('9p share', () => {
  it('shows files written from JS to the guest, and guest files to JS', async () => {
    await machine.share.writeFile('/share-test/deep/dir/from-js.txt', enc.encode('written by JS\n'));
    expect(await sh(machine, 'cat /mnt/host/share-test/deep/dir/from-js.txt')).toBe('written by JS\n');
    await sh(machine, 'echo "written by the guest" > /mnt/host/share-test/from-guest.txt; mkdir /mnt/host/share-test/guest-dir');
    expect(text(await machine.share.readFile('/share-test/from-guest.txt'))).toBe('written by the guest\n');
    const names = machine.share.list('/share-test').map((e) => `${e.name}:${e.type}`);
    expect(names).toEqual(['deep:directory', 'from-guest.txt:file', 'guest-dir:directory']);
    // Overwrite from JS is visible at once (no guest-side caching of the share).
    await machine.share.writeFile('/share-test/from-guest.txt', enc.encode('replaced\n'));
    expect(await sh(machine, 'cat /mnt/host/share-test/from-guest.txt')).toBe('replaced\n');
  });

  it('keeps modes, owners, symlinks, hard links and device nodes as the guest sees them', async () => {
    const share = machine.share;
    await share.writeFile('/share-meta/bin/prog', enc.encode('#!/bin/sh\necho prog-ran\n'), { mode: 0o751, uid: 1000, gid: 100 });
    share.mkdir('/share-meta/private', { mode: 0o700, uid: 33, gid: 33 });
    share.symlink('/share-meta/bin/link', 'prog');
    share.link('/share-meta/bin/hard', '/share-meta/bin/prog');
    share.mknod('/share-meta/dev/null', 'char', { major: 1, minor: 3, mode: 0o666 });
    share.mknod('/share-meta/whiteout', 'char', { major: 0, minor: 0, mode: 0 });
    share.mknod('/share-meta/fifo', 'fifo', { mode: 0o600 });
    const out = await sh(
      machine,
      `cd /mnt/host/share-meta
      stat -c '%n %a %u %g %F' bin/prog private
      echo "link=$(readlink bin/link)" "run=$(bin/link)"
      stat -c '%n %h %i' bin/prog bin/hard
      stat -c '%n %F %t:%T %a' dev/null whiteout
      stat -c '%n %F' fifo`,
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('bin/prog 751 1000 100 regular file');
    expect(lines[1]).toBe('private 700 33 33 directory');
    expect(lines[2]).toBe('link=prog run=prog-ran');
    const [progLinks, progInode] = lines[3]!.split(' ').slice(1);
    const [hardLinks, hardInode] = lines[4]!.split(' ').slice(1);
    expect(progLinks).toBe('2');
    expect(hardLinks).toBe('2');
    expect(hardInode).toBe(progInode);
    expect(lines[5]).toBe('dev/null character special file 1:3 666');
    expect(lines[6]).toBe('whiteout character special file 0:0 0');
    expect(lines[7]).toBe('fifo fifo');
    expect(share.stat('/share-meta/bin/link')).toMatchObject({ type: 'symlink', target: 'prog' });
    share.remove('/share-meta', { recursive: true });
    expect(await sh(machine, 'ls /mnt/host/share-meta 2>&1 || true')).toMatch(/No such file/);
  });
});

describe('console size and clock', () => {
  it('resizes the learner console', async () => {
    await machine.resize(132, 43);
    expect((await sh(machine, 'stty -F /dev/ttyS0 size')).trim()).toBe('43 132');
  });

  it('has the host clock', async () => {
    const guest = Number((await sh(machine, 'date +%s')).trim());
    expect(Math.abs(guest - Date.now() / 1000)).toBeLessThan(5);
  });
});

/** A terminal tab's end of a shell, in memory: what the shell printed, and keys typed into it. */
function fakeTab() {
  const tab = {
    screen: '',
    closed: false,
    ends: [] as ShellEnd[],
    port: {
      onmessage: null,
      postMessage: (bytes: Uint8Array) => {
        tab.screen += text(bytes);
        // ash asks where the cursor is (DSR) before each prompt and waits a moment for the answer, as xterm gives it
        if (text(bytes).includes('\x1b[6n')) tab.type('\x1b[1;17R');
      },
      close: () => void (tab.closed = true),
    } as ShellPort,
    type: (keys: string) => tab.port.onmessage?.({ data: keys } as MessageEvent<string>),
    /** the capture group of the last line matching `pattern`, once the shell has printed it */
    async line(pattern: RegExp): Promise<string> {
      const global = new RegExp(pattern.source, 'gm');
      await expect.poll(() => [...tab.screen.matchAll(global)].length, { timeout: 15_000, message: `${pattern} in:\n${tab.screen}` }).toBeGreaterThan(0);
      return [...tab.screen.matchAll(global)].at(-1)![1]!;
    },
  };
  return tab;
}

describe('terminal tabs: login shells on ptys of their own', () => {
  it('has the console shell\'s environment, follows its size, gives ^C to its job, and ends on hangup', async () => {
    const shells = new GuestShells();
    const tab = fakeTab();
    const id = await shells.open(machine.agent, tab.port, { cols: 100, rows: 30 }, (end) => tab.ends.push(end));
    // /etc/profile's prompt, with the logical PWD, in /root
    await expect.poll(() => tab.screen, { timeout: 15_000 }).toMatch(/root@drydock:~# (?:\x1b\[(?:6n|J))*$/);
    tab.type('echo "=$(stty size)=$PWD=$(tty)=$(cat /proc/self/oom_score_adj)=$$=$(id -u)=$(grep CapEff /proc/self/status | cut -f2)="\r');
    const [size, pwd, tty, oom, pid, uid, caps] = (await tab.line(/^(=\d+ \d+=.*=)\r?$/)).split('=').slice(1, -1);
    expect({ size, pwd, oom, uid, caps }).toEqual({ size: '30 100', pwd: '/root', oom: '0', uid: '0', caps: '000001ffffffffff' });
    expect(tty).toMatch(/^\/dev\/pts\/\d+$/);

    await shells.resize(id, 120, 40);
    tab.type('echo "=$(stty size)="\r');
    expect(await tab.line(/^=(\d+ \d+)=\r?$/)).toBe('40 120');

    // ^C reaches the foreground job through the pty's line discipline, not the shell
    tab.type('sleep 47\r');
    await expect.poll(async () => (await sh(machine, 'ps -o args | grep -c "^sleep 47" || true')).trim(), { timeout: 10_000 }).toBe('1');
    tab.type('\x03');
    tab.type('echo "rc=$?"\r');
    expect(await tab.line(/^rc=(\d+)\r?$/)).toBe('130');

    shells.close(id);
    expect(tab.closed).toBe(true);
    // SIGHUP ends the shell, drydock-init's fork parent follows it, and the agent ends the stream (its EXIT came)
    await expect.poll(async () => (await machine.agent.exec(['kill', '-0', pid!])).exitCode, { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await sh(machine, 'ps -o args | grep -c "^/sbin/drydock-init -c fork" || true')).trim(), { timeout: 10_000 }).toBe('0');
    await expect.poll(() => machine.agent.pendingStreams, { timeout: 10_000 }).toBe(0);
    expect(tab.ends).toEqual([]);
  });

  it('tells the tab when its shell exits', async () => {
    const shells = new GuestShells();
    const tab = fakeTab();
    await shells.open(machine.agent, tab.port, { cols: 80, rows: 24 }, (end) => tab.ends.push(end));
    await expect.poll(() => tab.screen, { timeout: 15_000 }).toMatch(/# (\x1b\[6n)?$/);
    tab.type('exit 3\r');
    await expect.poll(() => tab.ends, { timeout: 10_000 }).toEqual([{ cause: 'exited', message: 'exit 3' }]);
    expect(tab.closed).toBe(true);
    expect(shells.count).toBe(0);
  });
});

describe('the agent\'s line', () => {
  it('waits without spinning while the host has closed its end, and answers again once it is back', async () => {
    // the guest's uptime and the agent's CPU time (the scheduler's sum_exec_runtime, in ms; the agent is this shell's
    // parent) at one moment
    const sample = async () => {
      const [uptime, cpuMs] = (await sh(machine, `read -r up _ </proc/uptime; echo "$up $(sed -n 's/^se.sum_exec_runtime *: *//p' /proc/$PPID/sched)"`)).trim().split(' ').map(Number);
      return { uptimeMs: uptime! * 1000, cpuMs: cpuMs! };
    };
    const emulator = machine['current']().emulator;
    // What one sample costs the agent (it forks the shell, relays its output, reaps it): counted in every difference
    // below, and it grows with the host's load (a loaded host makes each guest instruction take more guest time).
    const first = await sample();
    const before = await sample();
    const sampling = before.cpuMs - first.cpuMs;
    setHostConnected(emulator, 1, false);
    // A window of idle time to measure (not a wait for something): the agent, spinning on POLLHUP, would use all of it.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    setHostConnected(emulator, 1, true);
    const after = await sample(); // answered: the agent found the line again
    const elapsedMs = after.uptimeMs - before.uptimeMs;
    expect(elapsedMs).toBeGreaterThan(5000);
    // Measured: about 0 ms of 2.4 s with the fix, 2.3 s of 3.2 s (spinning on POLLHUP, ~70%) without it. Under CI's
    // load the agent was once charged 320 ms in a 3 s window: a host that stalls the emulator while the agent is the
    // guest's running process charges it the stall (the guest clock jumps). Such charges come per event, not per
    // second, so a 6 s window and a quarter of it as the bound keep them apart from a spin, which takes most of it.
    const idle = after.cpuMs - before.cpuMs - sampling;
    console.log(`[agent-line] agent CPU while the host was away: ${Math.round(idle)} ms of ${Math.round(elapsedMs)} ms (one sample: ${Math.round(sampling)} ms)`);
    expect(idle).toBeLessThan(elapsedMs / 4);
  });
});

