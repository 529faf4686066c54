// A stage being built (the classic builder's dispatchState): its image config, layers and history so far, the
// ARGs and SHELL in effect, and the cache key and time of its last filesystem step. Made by FROM in one of three
// ways: scratch, an image, or an earlier stage of the same Dockerfile.
import type { Stage } from '../dockerfile/index.ts';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/oci-types.ts';
import { cacheKey } from './cache.ts';
import { baseContainerConfig, DEFAULT_SHELL, EnvList } from './image-config.ts';
import type { BuiltLayer } from './layer.ts';

export interface StageState {
  stage: Stage;
  /** `[builder 2/4] ` or `[2/4] ` without the numbers */
  prefix: string;
  total: number;
  index: number;
  layers: BuiltLayer[];
  config: ContainerConfig;
  /** config.Env by key (config.Env is its `entries`) */
  env: EnvList;
  history: HistoryEntry[];
  /** ARGs in effect: declared in this stage, with their values */
  args: Map<string, string | undefined>;
  shell: string[];
  cmdSet: boolean;
  key: string;
  /** time of the last filesystem step, reused in history so an unchanged rebuild gives the same image */
  time: string;
  /** GuestFs directories of `layers` once unpacked; dropped when a layer is added */
  dirs?: string[];
  imageRef?: string;
}

/** Where a stage's steps are numbered: `[name n/total]`, the stage named only when the Dockerfile has several. */
export interface StageNumbering {
  prefix: string;
  total: number;
}

/** `FROM scratch`: no layers, Docker's default PATH, the default shell. */
export function scratchState(stage: Stage, at: StageNumbering, now: Date): StageState {
  const config = baseContainerConfig(undefined);
  const env = new EnvList(config.Env ?? []);
  return {
    stage, ...at, index: 1, layers: [], config: { ...config, Env: env.entries }, env, history: [], args: new Map(), shell: [...DEFAULT_SHELL],
    cmdSet: false, key: cacheKey('scratch'), time: now.toISOString(),
  };
}

/** `FROM image`: its layers, config, history and SHELL; ARGs do not carry over. */
export function imageStageState(
  stage: Stage,
  at: StageNumbering,
  image: { id: string; config: ImageConfig; layers: BuiltLayer[] },
  ref: string,
): StageState {
  const config = baseContainerConfig(image.config.config);
  const env = new EnvList(config.Env ?? []);
  return {
    stage, ...at, index: 1, layers: image.layers, config: { ...config, Env: env.entries }, env, history: [...(image.config.history ?? [])],
    args: new Map(), shell: image.config.config?.Shell ? [...image.config.config.Shell] : [...DEFAULT_SHELL], cmdSet: false, key: cacheKey('image', image.id),
    time: image.config.created ?? new Date(0).toISOString(), imageRef: ref,
  };
}

/** `FROM <earlier stage>`: where that stage ended, with copies of what the new stage changes; ARGs do not carry over. */
export function childStageState(parent: StageState, stage: Stage, at: StageNumbering): StageState {
  const env = new EnvList(parent.env.entries);
  return {
    ...parent, stage, ...at, index: 1, layers: [...parent.layers], config: { ...parent.config, Env: env.entries }, env, history: [...parent.history],
    args: new Map(), shell: [...parent.shell],
  };
}

/** The history entry of a metadata instruction: no layer, the time of the last filesystem step. */
export function metaHistory(st: StageState, createdBy: string): void {
  st.history.push({ created: st.time, created_by: createdBy, comment: 'buildkit.dockerfile.v0', empty_layer: true });
}

/** What `$NAME` expands to in a stage's instructions: its ENV, else its ARGs. */
export function stageVariable(st: StageState, name: string): string | undefined {
  return st.env.get(name) ?? st.args.get(name);
}
