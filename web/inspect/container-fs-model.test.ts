import { describe, expect, it } from 'vitest';
import { chainIds } from '../../emulator/engine/oci/chain-id.ts';
import { sha256DigestOfString } from '../../emulator/engine/oci/digest.ts';
import { containerFsModel, type ContainerFacts } from './container-fs-model.ts';
import { layersModel } from './layers-model.ts';

const base = sha256DigestOfString('base');
const top = sha256DigestOfString('top');
const [c0, c1] = chainIds([base, top]).map((c) => c.slice(7));

const container: ContainerFacts = {
  Id: 'c0ffee',
  Name: '/cow',
  Config: { Image: 'debian' },
  State: { Status: 'running' },
  GraphDriver: { Data: { LowerDir: `/mnt/host/layers/${c1}:/mnt/host/layers/${c0}`, UpperDir: '/var/lib/drydock/containers/c0ffee/upper' } },
  SizeRw: 42,
};

describe('containerFsModel', () => {
  it('reads the upper dir\'s changes as docker diff does: added, copied up, whiteouts, and prints docker diff\'s lines', () => {
    const changes = [
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/issue.net', Kind: 2 },
      { Path: '/etc/motd', Kind: 0 },
      { Path: '/root', Kind: 0 },
      { Path: '/root/note.txt', Kind: 1 },
    ];
    const model = containerFsModel(container, changes);
    expect(model).toMatchObject({ name: 'cow', image: 'debian', status: 'running', sizeRw: 42, upperDir: '/var/lib/drydock/containers/c0ffee/upper' });
    expect(model.entries.map((e) => `${e.kind} ${e.path}`)).toEqual(['C /etc', 'D /etc/issue.net', 'C /etc/motd', 'C /root', 'A /root/note.txt']);
    expect(model.entries.find((e) => e.path === '/etc/issue.net')?.meaning).toMatch(/whiteout/);
    expect(model.entries.find((e) => e.path === '/etc/motd')?.meaning).toMatch(/copied up/);
    expect(model.diffText).toBe('C /etc\nD /etc/issue.net\nC /etc/motd\nC /root\nA /root/note.txt\n');
  });

  it('names each lower dir by its layer, topmost first, when the image is known', () => {
    const layers = layersModel([{ summary: { Id: 'sha256:1', RepoTags: ['debian:latest'] }, inspect: { RootFS: { Layers: [base, top] } }, history: [{ CreatedBy: 'ADD top', Size: 2 }, { CreatedBy: 'ADD base', Size: 1 }] }]);
    const model = containerFsModel(container, [], layers);
    expect(model.lowers.map((l) => l.layer?.createdBy)).toEqual(['ADD top', 'ADD base']);
    expect(model.entries).toEqual([]);
    expect(model.diffText).toBe('');
  });

  it('has no lower layers and no size when the engine gives none', () => {
    const model = containerFsModel({ ...container, GraphDriver: { Data: null }, SizeRw: undefined }, null);
    expect(model.lowers).toEqual([]);
    expect(model.sizeRw).toBeUndefined();
  });
});
