// The Inspect panel's view of one container's overlay, from the Engine API: its lower layers (GraphDriver.LowerDir,
// named by the layers model), its upper dir and SizeRw (`/containers/{id}/json?size=1`), and the upper dir's entries
// as `docker diff` reads them (`GET /containers/{id}/changes`, the engine's one diff).
import { type LayerNode, type LayersModel, layerOfDir } from './layers-model.ts';

/** What `GET /containers/{id}/json?size=1` gives that the view reads. */
export interface ContainerFacts {
  Id: string;
  Name: string;
  Config: { Image: string };
  State: { Status: string };
  GraphDriver: { Data: { LowerDir: string; UpperDir: string } | null };
  SizeRw?: number;
}

/** Docker's ChangeType (0 modified, 1 added, 2 deleted). */
export interface ChangeFacts {
  Path: string;
  Kind: number;
}

export type ChangeKind = 'A' | 'C' | 'D';

export interface UpperEntryRow {
  path: string;
  kind: ChangeKind;
  /** what it means in the upper dir: a new entry, a copy-up of an image entry, or a whiteout hiding one */
  meaning: string;
}

export interface LowerLayerRow {
  dir: string;
  /** the layer it is, when the image is in the layers model */
  layer?: LayerNode;
}

export interface ContainerFsModel {
  id: string;
  name: string;
  image: string;
  status: string;
  upperDir: string;
  /** bytes in the upper dir; undefined when the engine did not say */
  sizeRw: number | undefined;
  /** topmost first, as overlayfs stacks them */
  lowers: LowerLayerRow[];
  entries: UpperEntryRow[];
  /** what `docker diff` prints */
  diffText: string;
}

const KINDS: ChangeKind[] = ['C', 'A', 'D'];
const MEANING: Record<ChangeKind, string> = {
  A: 'added: only in the upper dir',
  C: 'changed: copied up from a lower layer',
  D: 'deleted: a whiteout hides the lower entry',
};

export function containerFsModel(container: ContainerFacts, changes: readonly ChangeFacts[] | null, layers?: LayersModel): ContainerFsModel {
  const data = container.GraphDriver.Data;
  const lowers = (data?.LowerDir ?? '').split(':').filter(Boolean).map((dir) => {
    const layer = layers ? layerOfDir(layers, dir) : undefined;
    return layer ? { dir, layer } : { dir };
  });
  const entries = (changes ?? []).map((c) => {
    const kind = KINDS[c.Kind] ?? 'C';
    return { path: c.Path, kind, meaning: MEANING[kind] };
  });
  return {
    id: container.Id,
    name: container.Name.replace(/^\//, ''),
    image: container.Config.Image,
    status: container.State.Status,
    upperDir: data?.UpperDir ?? '',
    sizeRw: container.SizeRw,
    lowers,
    entries,
    diffText: entries.map((e) => `${e.kind} ${e.path}\n`).join(''),
  };
}
