// The one place a filesystem step (WORKDIR, COPY, ADD, RUN) meets the build cache, as the classic builder's
// probeCache/commit pair: CACHED when its key is known and its layer still stored; otherwise `make` gives the layer,
// which is stored and remembered under the key. Either way the stage moves on to the step's key, time and layer.
import type { ContentStore } from '../store/content-store.ts';
import type { BuildCache } from './cache.ts';
import { layerTar, storeLayer, type BuiltLayer, type LayerEntry } from './layer.ts';
import type { StageState } from './stage-state.ts';
import type { Vertex } from './vertex.ts';

export interface StepCacheDeps {
  cache: BuildCache;
  content: ContentStore;
  now: () => Date;
  /** `--no-cache`: every step is made (and remembered for the next build) */
  noCache: boolean;
}

/** What a step makes: entries to pack, a ready layer tar, or nothing when it changed no file. */
export type StepOutput = LayerEntry[] | Uint8Array | undefined;

export async function cachedStep(
  deps: StepCacheDeps,
  st: StageState,
  v: Vertex,
  key: string,
  make: () => Promise<StepOutput>,
  createdBy: string,
): Promise<void> {
  const hit = deps.noCache ? undefined : deps.cache.get(key);
  if (hit && (!hit.layer || (await deps.content.hasBlob(hit.layer.digest)))) {
    v.cached();
    applyStep(st, key, hit.layer, hit.created, createdBy);
    return;
  }
  const made = await make();
  let layer: BuiltLayer | undefined;
  if (made instanceof Uint8Array) layer = await storeLayer(deps.content, made);
  else if (made && made.length > 0) layer = await storeLayer(deps.content, await layerTar(made));
  const created = deps.now().toISOString();
  await deps.cache.put(key, { ...(layer ? { layer } : {}), created });
  applyStep(st, key, layer, created, createdBy);
  v.done();
}

function applyStep(st: StageState, key: string, layer: BuiltLayer | undefined, created: string, createdBy: string): void {
  st.key = key;
  st.time = created;
  if (layer) {
    st.layers = [...st.layers, layer];
    delete st.dirs;
  }
  st.history.push({ created, created_by: createdBy, comment: 'buildkit.dockerfile.v0', ...(layer ? {} : { empty_layer: true }) });
}
