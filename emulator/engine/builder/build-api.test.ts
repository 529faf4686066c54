import { describe, expect, it } from 'vitest';
import { MemorySession } from '../cli/memory-session.ts';
import { openEngineHost } from '../engine-host.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';

describe('docker build and builder prune through the Engine API (no guest)', () => {
  it('refuses a build while no machine runs, prunes the cache, has help for the aliases', async () => {
    const host = await openEngineHost({ fetch: async () => new Response(null, { status: 404 }), store: new MemoryBlobBackend() });
    const docker = async (line: string, options: { stdin?: string; cwd?: string } = {}) => {
      const session = new MemorySession(line.split(' '), options);
      await host.cli(session);
      return { status: await session.exited, out: session.stdoutText, err: session.stderrText };
    };
    expect(await docker('build -t app .', { cwd: '/mnt/host/work' })).toEqual({
      status: 1,
      out: '',
      err: 'ERROR: the machine is not running, so nothing can be built now\n',
    });
    expect(await docker('builder prune -f')).toEqual({ status: 0, out: 'Total reclaimed space: 0B\n', err: '' });
    expect(await docker('builder prune', { stdin: 'n\n' })).toMatchObject({ status: 0, out: 'WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ' });
    const help = await docker('image build --help');
    expect(help.out).toMatch(/^Usage:  docker image build \[OPTIONS\] PATH \| URL \| -\n\nStart a build\n/);
    expect(help.out).toContain('-t, --tag stringArray');
    const response = await host.api(new Request('http://engine/v1.43/build?t=x', { method: 'POST' }));
    expect(response.status).toBe(409);
  });
});
