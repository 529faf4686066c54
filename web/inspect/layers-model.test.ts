import { describe, expect, it } from 'vitest';
import { chainIds } from '../../emulator/engine/oci/chain-id.ts';
import { sha256DigestOfString } from '../../emulator/engine/oci/digest.ts';
import { type ImageFacts, layerOfDir, layersModel } from './layers-model.ts';

const d = (name: string) => sha256DigestOfString(name);
const base = d('debian-base');
const tools = d('debian-tools');

/** An image as the Engine API describes it: layers bottom first, history newest first with 0B metadata steps. */
function image(tag: string, layers: { diffId: string; createdBy: string; size: number }[]): ImageFacts {
  const history = layers.flatMap((l) => [{ CreatedBy: l.createdBy, Size: l.size }, { CreatedBy: '/bin/sh -c #(nop)  ENV X=1', Size: 0 }]);
  return { summary: { Id: d(`id-${tag}`), RepoTags: [tag] }, inspect: { RootFS: { Layers: layers.map((l) => l.diffId) } }, history: history.reverse() };
}

const debianLayers = [
  { diffId: base, createdBy: 'ADD debian-base', size: 15_700_000 },
  { diffId: tools, createdBy: 'ADD debian-tools', size: 12_300_000 },
];
const python = image('python:latest', [...debianLayers, { diffId: d('py-libs'), createdBy: 'ADD python-libs', size: 12_800_000 }, { diffId: d('py'), createdBy: 'ADD python3.11', size: 20_300_000 }]);
const node = image('node:latest', [...debianLayers, { diffId: d('node'), createdBy: 'ADD node', size: 30_000_000 }]);
const busybox = image('busybox:latest', [{ diffId: d('busybox'), createdBy: 'ADD busybox', size: 2_000_000 }]);
const debian = image('debian:latest', debianLayers);

describe('layersModel', () => {
  it('draws a layer two images share once, marked shared, across the neighbouring columns of its images', () => {
    const model = layersModel([python, busybox, node, debian]);
    expect(model.layers).toHaveLength(6);
    const bottom = model.layers.find((l) => l.diffId === base);
    expect(bottom).toMatchObject({ depth: 0, shared: true, size: 15_700_000, createdBy: 'ADD debian-base' });
    expect([...(bottom?.images ?? [])].sort()).toEqual(['debian:latest', 'node:latest', 'python:latest']);
    const [first, last] = bottom?.columns ?? [0, 0];
    expect(last - first + 1).toBe(3);
    // the images with that layer stand in its columns, the others outside them
    expect(model.images.slice(first, last + 1).map((i) => i.name).sort()).toEqual(['debian:latest', 'node:latest', 'python:latest']);
    expect(model.layers.find((l) => l.diffId === d('busybox'))).toMatchObject({ shared: false, images: ['busybox:latest'] });
    expect(model.height).toBe(4);
  });

  it('stacks each image newest on top with the instruction and size that made each layer (0B steps are not layers)', () => {
    const model = layersModel([python]);
    const stack = model.images[0];
    expect(stack?.layers.map((l) => [l.createdBy, l.size, l.depth])).toEqual([
      ['ADD python3.11', 20_300_000, 3],
      ['ADD python-libs', 12_800_000, 2],
      ['ADD debian-tools', 12_300_000, 1],
      ['ADD debian-base', 15_700_000, 0],
    ]);
    expect(stack?.layers.every((l) => !l.shared)).toBe(true);
  });

  it('keeps two layers with the same content apart when what is below them differs (chain IDs, as the layer store does)', () => {
    const a = image('a:1', [{ diffId: d('x'), createdBy: 'x', size: 1 }, { diffId: d('same'), createdBy: 'same', size: 2 }]);
    const b = image('b:1', [{ diffId: d('y'), createdBy: 'y', size: 1 }, { diffId: d('same'), createdBy: 'same', size: 2 }]);
    const model = layersModel([a, b]);
    expect(model.layers.filter((l) => l.diffId === d('same'))).toHaveLength(2);
    expect(model.layers.some((l) => l.shared)).toBe(false);
  });

  it('leaves instructions unsaid when the history\'s sized steps do not match the layers one to one', () => {
    const odd: ImageFacts = { summary: { Id: d('odd'), RepoTags: [] }, inspect: { RootFS: { Layers: [d('l1'), d('l2')] } }, history: [{ CreatedBy: 'RUN true', Size: 0 }, { CreatedBy: 'ADD x', Size: 5 }] };
    const model = layersModel([odd]);
    expect(model.images[0]?.name).toBe(d('odd').slice(7, 19));
    expect(model.layers.map((l) => l.createdBy)).toEqual(['', '']);
  });

  it('finds the layer a container lowerdir names by chain ID', () => {
    const model = layersModel([python, node]);
    const chain = chainIds([base, tools])[1] as string;
    expect(layerOfDir(model, `/mnt/host/layers/${chain.slice(7)}`)?.diffId).toBe(tools);
    expect(layerOfDir(model, '/mnt/host/layers/nope')).toBeUndefined();
  });
});
