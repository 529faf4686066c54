// Runs build tools synchronously, failing loudly with the tool's own error output.

import { spawnSync } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  /** Keep the tool's stderr to ourselves unless it fails (apt-get is chatty). */
  quiet?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function run(command: string, args: string[], options: RunOptions = {}): string {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    input: options.input,
    env: { ...process.env, LC_ALL: 'C', ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (process.env.IMAGES_TRACE && Date.now() - started > 1000) process.stderr.write(`[${Date.now() - started} ms] ${command} ${args.join(' ').slice(0, 120)}\n`);
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  }
  if (!options.quiet && result.stderr.trim()) process.stderr.write(result.stderr);
  return result.stdout;
}
