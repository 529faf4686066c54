import { describe, expect, it } from 'vitest';
import { MemoryJsonStorage } from '../containers/json-storage.ts';
import { parseDockerfile } from '../dockerfile/index.ts';
import { ContentStore } from '../store/content-store.ts';
import { MemoryBlobBackend } from '../store/store-backend-memory.ts';
import { BuildCache } from './cache.ts';
import type { LayerEntry } from './layer.ts';
import type { BuildEvent } from './progress.ts';
import { scratchState } from './stage-state.ts';
import { cachedStep, type StepCacheDeps } from './step-cache.ts';
import { Progress } from './vertex.ts';

const T0 = new Date('2024-01-01T00:00:00Z');
const T1 = new Date('2024-02-01T00:00:00Z');
const file: LayerEntry = { path: '/a', kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: T0, data: new TextEncoder().encode('a') };

async function setup(noCache = false) {
  const deps: StepCacheDeps = { cache: await BuildCache.open(new MemoryJsonStorage()), content: new ContentStore(new MemoryBlobBackend()), now: () => T1, noCache };
  const events: BuildEvent[] = [];
  const progress = new Progress((e) => events.push(e));
  const fresh = () => scratchState(parseDockerfile('FROM scratch\n', { file: 'Dockerfile' }).stages[0]!, { prefix: '', total: 2 }, T0);
  let made = 0;
  const step = (st = fresh(), key = 'k1', output: () => LayerEntry[] | undefined = () => [file]) =>
    cachedStep(deps, st, progress.vertex('[2/2] COPY a /'), key, async () => (made++, output()), 'COPY a / # buildkit').then(() => st);
  return { deps, events, step, made: () => made };
}

describe('cachedStep: the one place a filesystem step meets the build cache', () => {
  it('makes the layer on a miss, remembers it, and gives CACHED with the first time on a hit', async () => {
    const { events, step, made } = await setup();
    const first = await step();
    expect(made()).toBe(1);
    expect(first.layers).toHaveLength(1);
    expect(first).toMatchObject({ key: 'k1', time: T1.toISOString() });
    expect(first.history).toEqual([{ created: T1.toISOString(), created_by: 'COPY a / # buildkit', comment: 'buildkit.dockerfile.v0' }]);
    const again = await step();
    expect(made()).toBe(1);
    expect(again.layers).toEqual(first.layers);
    expect(events.filter((e) => e.type === 'cached' || e.type === 'done').map((e) => e.type)).toEqual(['done', 'cached']);
  });

  it('a step that changes nothing adds an empty-layer history entry and drops no unpacked layers', async () => {
    const { step } = await setup();
    const st = await step(undefined, 'k2', () => undefined);
    expect(st.layers).toEqual([]);
    expect(st.history[0]).toMatchObject({ empty_layer: true });
  });

  it('a hit whose layer blob is gone is a miss; --no-cache makes every step', async () => {
    const { deps, step, made } = await setup();
    const first = await step();
    await deps.content.deleteBlob(first.layers[0]!.digest);
    await step();
    expect(made()).toBe(2);
    const noCache = await setup(true);
    await noCache.step();
    await noCache.step();
    expect(noCache.made()).toBe(2);
  });

  it('a new layer forgets the stage\'s unpacked directories', async () => {
    const { step } = await setup();
    const st = scratchState(parseDockerfile('FROM scratch\n', { file: 'Dockerfile' }).stages[0]!, { prefix: '', total: 2 }, T0);
    st.dirs = ['/layers/x'];
    await step(st);
    expect(st.dirs).toBeUndefined();
  });
});
