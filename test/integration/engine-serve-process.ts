// `npm run engine:serve` as a child process for the stock-client tests: a unix socket and a store in a fresh temp
// folder, its request log collected, stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface EngineServeProcess {
  dir: string;
  socket: string;
  server: ChildProcess;
  /** what it printed on stderr so far (`--verbose`: one line per request) */
  log(): string;
  /** the environment a docker client needs to talk to it (its own DOCKER_CONFIG in `dir`) */
  env(): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Starts engine:serve and resolves once it listens (rejects with its log if it exits first). */
export async function startEngineServe(prefix: string): Promise<EngineServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const socket = join(dir, 'engine.sock');
  const server = spawn(process.execPath, ['--import', 'tsx', 'emulator/node-backends/engine-serve.ts', '--socket', socket, '--store', join(dir, 'store'), '--verbose'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((ok, fail) => {
    let out = '';
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`listening on ${socket}`)) ok();
    });
    server.once('exit', (code) => fail(new Error(`engine:serve exited with ${code}\n${log}`)));
  });
  return {
    dir,
    socket,
    server,
    log: () => log,
    env: () => ({ ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config') }),
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((ok) => server.once('exit', ok));
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
