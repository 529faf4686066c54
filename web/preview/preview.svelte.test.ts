// PreviewState against a fake machine: the published ports it reads, the pane's port and path, reloads.
import { describe, expect, it } from 'vitest';
import type { EngineResponse } from '../../emulator/protocol.ts';
import type { MachineState } from '../machine.svelte.ts';
import { PreviewState } from './preview.svelte.ts';

const BASE = 'https://example.org/drydock/';

function fakeMachine(containers: unknown[]) {
  const requests: string[] = [];
  const machine = {
    status: 'ready',
    result: null,
    async engineRequest(method: string, path: string): Promise<EngineResponse> {
      requests.push(`${method} ${path}`);
      return { status: 200, body: JSON.stringify(containers) };
    },
  };
  return { machine: machine as unknown as MachineState, requests };
}

describe('PreviewState', () => {
  it("lists the engine's published ports, and says when previews cannot work here", async () => {
    const { machine, requests } = fakeMachine([
      { Names: ['/web'], Image: 'nginx', State: 'running', Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] },
    ]);
    const preview = new PreviewState(machine, BASE);
    const stop = preview.start();
    await expect.poll(() => preview.ports).toEqual([{ hostPort: 8080, containerPort: 80, container: 'web', image: 'nginx' }]);
    expect(requests[0]).toBe('GET /containers/json');
    // Node has no service worker container, as a page served over plain HTTP has none
    await expect.poll(() => preview.worker.state).toBe('unavailable');
    stop();
  });

  it('shows a port at a path, follows where its page goes, and reloads that page', () => {
    const { machine } = fakeMachine([]);
    const preview = new PreviewState(machine, BASE);
    preview.show(8080);
    expect(preview.url(8080, preview.path)).toBe('https://example.org/drydock/ports/8080/');
    const loads = preview.loads;
    preview.navigated('https://example.org/drydock/ports/8080/docs/?q=1');
    expect(preview.current).toBe('/docs/?q=1');
    preview.navigated('https://example.org/drydock/ports/9090/elsewhere'); // not this pane's port
    expect(preview.current).toBe('/docs/?q=1');
    preview.reload();
    expect([preview.path, preview.loads]).toEqual(['/docs/?q=1', loads + 1]);
    preview.close();
    expect(preview.port).toBeNull();
  });
});
