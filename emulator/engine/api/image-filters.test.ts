// Docker's image list filters: reference (tags and digests), dangling.
import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../images/image-api.ts';
import { filterImages, referenceMatches } from './image-filters.ts';

const image = (id: string, RepoTags: string[], RepoDigests: string[]): ImageSummary => ({
  Id: id, ParentId: '', RepoTags, RepoDigests, Created: 0, Size: 0, SharedSize: -1, Labels: {}, Containers: -1,
});
const busyDigest = 'busybox@sha256:' + 'a'.repeat(64);
const images = [
  image('sha256:1', ['busybox:latest', 'mybox:v1'], [busyDigest]),
  image('sha256:2', ['committed:v1'], []),
  image('sha256:3', [], ['debian@sha256:' + 'b'.repeat(64)]),
  image('sha256:4', [], []),
];
const f = (filters: object) => filterImages(images, JSON.stringify(filters)).map((i) => [i.Id, i.RepoTags, i.RepoDigests]);

describe('filterImages', () => {
  it('reference: only that repository\'s tags and digests, other images left out', () => {
    expect(f({ reference: { mybox: true } })).toEqual([['sha256:1', ['mybox:v1'], []]]);
    expect(f({ reference: { busybox: true } })).toEqual([['sha256:1', ['busybox:latest'], [busyDigest]]]);
    // `repo:tag` matches the tag only, not the repository's digest (FamiliarMatch on `name@digest`).
    expect(f({ reference: { 'busybox:latest': true } })).toEqual([['sha256:1', ['busybox:latest'], []]]);
    expect(f({ reference: { debian: true } })).toEqual([['sha256:3', [], [images[2]?.RepoDigests[0]]]]);
    expect(f({ reference: { '*box': true } })).toEqual([['sha256:1', ['busybox:latest', 'mybox:v1'], [busyDigest]]]);
    expect(f({ reference: { nothing: true } })).toEqual([]);
  });

  it('dangling: true keeps images without a tag, false drops those with no reference at all', () => {
    expect(f({ dangling: { true: true } }).map(([id]) => id)).toEqual(['sha256:3', 'sha256:4']);
    expect(f({ dangling: { false: true } }).map(([id]) => id)).toEqual(['sha256:1', 'sha256:2', 'sha256:3']);
    expect(() => f({ dangling: { maybe: true } })).toThrow("invalid filter 'dangling=maybe'");
    expect(() => f({ label: { a: true } })).toThrow("invalid filter 'label'");
  });

  it('matches familiar names with globs', () => {
    expect(referenceMatches('busybox', 'busybox:latest')).toBe(true);
    expect(referenceMatches('busy*', busyDigest)).toBe(true);
    expect(referenceMatches('localhost:5000/app', 'localhost:5000/app:1')).toBe(true);
    expect(referenceMatches('library/*', 'busybox:latest')).toBe(false);
  });
});
