// The Inspect panel's images-and-layers model, from the Engine API's own answers (`/images/json`, `/images/{id}/json`,
// `/images/{id}/history`): every image as its stack of layers, each distinct layer once, with the images sharing it.
import { chainIds } from '../../emulator/engine/oci/chain-id.ts';
import type { Digest } from '../../emulator/engine/oci/digest.ts';

/** The parts of an image the model reads: its summary, inspect and history as the Engine API gives them. */
export interface ImageFacts {
  summary: { Id: string; RepoTags: string[] };
  inspect: { RootFS: { Layers: string[] } };
  /** newest first, as `GET /images/{id}/history` answers */
  history: { CreatedBy: string; Size: number }[];
}

/** One distinct layer: a chain ID (the layer applied on exactly those below it), drawn once however many images use it. */
export interface LayerNode {
  chainId: Digest;
  diffId: Digest;
  /** 0 for a base layer */
  depth: number;
  /** bytes of file content (the history's SIZE) */
  size: number;
  /** the instruction that made it (history `created_by`); '' when the history does not say */
  createdBy: string;
  /** names of the images that have this layer, in column order */
  images: string[];
  /** more than one image has it */
  shared: boolean;
  /** the first and last column (image) it spans, inclusive: images sharing a layer are neighbours */
  columns: [number, number];
}

export interface ImageStack {
  id: string;
  /** its first tag, or the short ID of an untagged image */
  name: string;
  /** the image's layers, newest first */
  layers: LayerNode[];
}

export interface LayersModel {
  /** in column order: images that share layers stand next to each other */
  images: ImageStack[];
  /** every distinct layer once, bottom-up by depth, then by column */
  layers: LayerNode[];
  /** the deepest stack's number of layers */
  height: number;
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * The instruction of each layer, oldest first. History has an entry per build step; steps that made no layer (ENV,
 * CMD...) have size 0 in the API, which does not expose `empty_layer`. When the steps with a size do not match the
 * layers one to one (a RUN that wrote nothing has size 0 too), the instructions are left unsaid rather than guessed.
 */
function layerInstructions(facts: ImageFacts): { createdBy: string; size: number }[] {
  const steps = [...facts.history].reverse().filter((h) => h.Size > 0);
  const n = facts.inspect.RootFS.Layers.length;
  if (steps.length !== n) return Array.from({ length: n }, () => ({ createdBy: '', size: 0 }));
  return steps.map((h) => ({ createdBy: h.CreatedBy, size: h.Size }));
}

function compareChains(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
  }
  return a.length - b.length;
}

export function layersModel(all: readonly ImageFacts[]): LayersModel {
  // Sorting by the chain-ID sequence puts every image with a given prefix in one contiguous run of columns, so a
  // shared layer can be drawn once across its images.
  const facts = all
    .map((f) => ({ f, chains: chainIds(f.inspect.RootFS.Layers as Digest[]), name: f.summary.RepoTags[0] ?? shortId(f.summary.Id) }))
    .sort((a, b) => compareChains(a.chains, b.chains) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const nodes = new Map<Digest, LayerNode>();
  const images: ImageStack[] = facts.map(({ f, chains, name }, column) => {
    const made = layerInstructions(f);
    const layers = chains.map((chainId, depth) => {
      let node = nodes.get(chainId);
      if (!node) {
        const step = made[depth] ?? { createdBy: '', size: 0 };
        node = { chainId, diffId: f.inspect.RootFS.Layers[depth] as Digest, depth, size: step.size, createdBy: step.createdBy, images: [], shared: false, columns: [column, column] };
        nodes.set(chainId, node);
      }
      node.images.push(name);
      node.shared = node.images.length > 1;
      node.columns[1] = column;
      return node;
    });
    return { id: f.summary.Id, name, layers: layers.reverse() };
  });
  const layers = [...nodes.values()].sort((a, b) => a.depth - b.depth || a.columns[0] - b.columns[0]);
  return { images, layers, height: Math.max(0, ...images.map((i) => i.layers.length)) };
}

/** The layer directory a container's lowerdir names (`/mnt/host/layers/<chain ID hex>`) as a layer of the model. */
export function layerOfDir(model: LayersModel, dir: string): LayerNode | undefined {
  const hex = /\/layers\/([0-9a-f]{64})$/.exec(dir)?.[1];
  return hex ? model.layers.find((l) => l.chainId === `sha256:${hex}`) : undefined;
}
