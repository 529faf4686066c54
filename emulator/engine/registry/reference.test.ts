import { describe, expect, it } from 'vitest';
import type { Digest } from '../oci/digest.ts';
import {
  familiarName,
  familiarString,
  parseDockerRef,
  parseNormalizedNamed,
  parseReference,
  referenceName,
  referenceString,
  withDigest,
  withTag,
} from './reference.ts';

const D = 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';

// Mirrors distribution/reference normalize_test.go (TestValidateReferenceName, TestValidateRemoteName).
const validNames = [
  'docker/docker',
  'library/debian',
  'debian',
  'localhost/library/debian',
  'localhost/debian',
  'LOCALDOMAIN/library/debian',
  'LOCALDOMAIN/debian',
  'docker.io/docker/docker',
  'docker.io/library/debian',
  'docker.io/debian',
  'index.docker.io/docker/docker',
  'index.docker.io/library/debian',
  'index.docker.io/debian',
  '127.0.0.1:5000/docker/docker',
  '127.0.0.1:5000/library/debian',
  '127.0.0.1:5000/debian',
  '192.168.0.1',
  '192.168.0.1:80',
  '192.168.0.1:8/debian',
  '192.168.0.2:25000/debian',
  'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
  '[fc00::1]:5000/docker',
  '[fc00::1]:5000/docker/docker',
  '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
  'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
  'Docker/docker',
  'DOCKER/docker',
  'docker-rules/docker',
  'docker---rules/docker',
  'doc/docker',
  'd/docker',
  'jess/t',
  'dock__er/docker',
];

const invalidNames = [
  'https://github.com/docker/docker',
  'docker/Docker',
  '-docker',
  '-docker/docker',
  '-docker.io/docker/docker',
  'docker///docker',
  'docker.io/docker/Docker',
  'docker.io/docker///docker',
  '[fc00::1]',
  '[fc00::1]:5000',
  'fc00::1:5000/debian',
  '[fe80::1%eth0]:5000/debian',
  '[2001:db8:3:4::192.0.2.33]:5000/debian',
  '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
  'docker-/docker',
  '-docker-/docker',
  '____/____',
  '_docker/_docker',
  'dock..er/docker',
  'dock_.er/docker',
  'dock-.er/docker',
  'docker/',
  `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  '',
  'UPPERCASE',
  'busybox:-tag',
  'busybox@sha256:abc',
  'busybox:',
];

describe('parseNormalizedNamed accepts what Docker accepts', () => {
  it.each(validNames)('%s', (name) => {
    expect(() => parseNormalizedNamed(name)).not.toThrow();
  });
});

describe('parseNormalizedNamed refuses what Docker refuses, with REFERENCE_INVALID', () => {
  it.each(invalidNames)('%s', (name) => {
    expect(() => parseNormalizedNamed(name)).toThrow(expect.objectContaining({ code: 'REFERENCE_INVALID' }));
  });
});

// Mirrors TestParseRepositoryInfo: each of familiar, full and ambiguous spellings gives the same result.
const repositoryInfo = [
  { remote: 'fooo/bar', familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: 'index.docker.io/fooo/bar', domain: 'docker.io' },
  { remote: 'library/ubuntu', familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: 'library/ubuntu', domain: 'docker.io' },
  { remote: 'nonlibrary/ubuntu', familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu', domain: 'docker.io' },
  { remote: 'other/library', familiar: 'other/library', full: 'docker.io/other/library', domain: 'docker.io' },
  { remote: 'private/moonbase', familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase', domain: '127.0.0.1:8000' },
  { remote: 'privatebase', familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase', domain: '127.0.0.1:8000' },
  { remote: 'private/moonbase', familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase', domain: 'example.com' },
  { remote: 'privatebase', familiar: 'example.com/privatebase', full: 'example.com/privatebase', domain: 'example.com' },
  { remote: 'private/moonbase', familiar: 'example.com:8000/private/moonbase', full: 'example.com:8000/private/moonbase', domain: 'example.com:8000' },
  { remote: 'privatebasee', familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee', domain: 'example.com:8000' },
  { remote: 'library/ubuntu-12.04-base', familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: 'index.docker.io/library/ubuntu-12.04-base', domain: 'docker.io' },
  { remote: 'library/foo', familiar: 'foo', full: 'docker.io/library/foo', ambiguous: 'docker.io/foo', domain: 'docker.io' },
  { remote: 'library/foo/bar', familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar', domain: 'docker.io' },
  { remote: 'store/foo/bar', familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar', domain: 'docker.io' },
  { remote: 'bar', familiar: 'Foo/bar', full: 'Foo/bar', domain: 'Foo' },
  { remote: 'bar', familiar: 'FOO/bar', full: 'FOO/bar', domain: 'FOO' },
];

describe('repository info (familiar, full and ambiguous spellings)', () => {
  for (const tc of repositoryInfo) {
    for (const spelling of [tc.familiar, tc.full, tc.ambiguous].filter((s): s is string => !!s)) {
      it(spelling, () => {
        const ref = parseNormalizedNamed(spelling);
        expect(familiarName(ref)).toBe(tc.familiar);
        expect(referenceName(ref)).toBe(tc.full);
        expect(ref.domain).toBe(tc.domain);
        expect(ref.path).toBe(tc.remote);
      });
    }
  }
});

// Mirrors TestNormalizedSplitHostname.
describe('domain split', () => {
  it.each([
    ['test.com/foo', 'test.com', 'foo'],
    ['test_com/foo', 'docker.io', 'test_com/foo'],
    ['docker/migrator', 'docker.io', 'docker/migrator'],
    ['test.com:8080/foo', 'test.com:8080', 'foo'],
    ['test-com:8080/foo', 'test-com:8080', 'foo'],
    ['foo', 'docker.io', 'library/foo'],
    ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
    ['docker.io/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
    ['localhost:5000/me/app:v1', 'localhost:5000', 'me/app'],
  ])('%s -> %s / %s', (input, domain, path) => {
    const ref = parseNormalizedNamed(input);
    expect([ref.domain, ref.path]).toEqual([domain, path]);
  });
});

describe('what docker pull resolves (parseDockerRef)', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['me/app', 'docker.io/me/app:latest', 'me/app:latest'],
    ['localhost:5000/me/app:v1', 'localhost:5000/me/app:v1', 'localhost:5000/me/app:v1'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    [`registry:5000/a/b@${D}`, `registry:5000/a/b@${D}`, `registry:5000/a/b@${D}`],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    // tag + digest: the digest wins, the tag is dropped (ParseDockerRef)
    [`busybox:latest@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    ['index.docker.io/library/debian:bookworm', 'docker.io/library/debian:bookworm', 'debian:bookworm'],
    ['[fc00::1]:5000/docker:x', '[fc00::1]:5000/docker:x', '[fc00::1]:5000/docker:x'],
  ])('%s', (input, full, familiar) => {
    const ref = parseDockerRef(input);
    expect(referenceString(ref)).toBe(full);
    expect(familiarString(ref)).toBe(familiar);
  });

  it('keeps both tag and digest in parseNormalizedNamed (TestParseReferenceWithTagAndDigest)', () => {
    const short = `busybox:latest@${D}`;
    const ref = parseNormalizedNamed(short);
    expect(referenceString(ref)).toBe(`docker.io/library/${short}`);
    expect(ref.tag).toBe('latest');
    expect(ref.digest).toBe(D);
    expect(familiarString(ref)).toBe(short);
  });
});

describe("errors: Docker's message, and what is wrong in details.hint", () => {
  it.each([
    ['busybox:-x', /tag "-x" is not valid/],
    ['busybox:', /empty tag/],
    ['busybox@sha256:bad', /digest "sha256:bad" is not valid/],
    [`busybox:${'a'.repeat(300)}`, /tag "a+" is not valid/],
    ['docker///docker', /empty path component/],
    ['-docker', /component "-docker" is not valid/],
    ['dock..er/docker', /registry "dock..er" is not a valid host/],
    ['me/dock..er', /component "dock..er" is not valid/],
    ['https://github.com/docker/docker', /is a URL/],
    ['bad name', /white space/],
  ])('%s: invalid reference format', (input, hint) => {
    expect(() => parseDockerRef(input)).toThrow(expect.objectContaining({ message: 'invalid reference format', details: expect.objectContaining({ hint: expect.stringMatching(hint) }) }));
  });

  it.each([
    ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
    ['me/App:v1', 'invalid reference format: repository name (me/App) must be lowercase'],
    [`busybox@sha512:${'a'.repeat(128)}`, 'unsupported digest algorithm'],
    [`busybox@sha256:${'a'.repeat(32)}`, 'invalid checksum digest length'],
    [`busybox@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    ['', 'invalid reference format: repository name must have at least one component'],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'invalid repository name (1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a), cannot specify 64-byte hexadecimal strings'],
    [`${'a'.repeat(250)}/${'b'.repeat(10)}`, 'invalid reference format: repository name must not be more than 255 characters'],
  ])('%s', (input, message) => {
    expect(() => parseDockerRef(input)).toThrow(expect.objectContaining({ message }));
  });
});

describe('strict parse and builders', () => {
  it('parseReference does not normalise', () => {
    expect(parseReference('docker.io/library/busybox:1')).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: '1' });
    expect(parseReference('busybox')).toEqual({ domain: '', path: 'busybox' });
  });

  it('withTag validates, withDigest replaces the tag', () => {
    const ref = parseNormalizedNamed('me/app');
    expect(familiarString(withTag(ref, 'v2'))).toBe('me/app:v2');
    expect(() => withTag(ref, '.bad')).toThrow(expect.objectContaining({ code: 'REFERENCE_INVALID' }));
    expect(familiarString(withDigest(withTag(ref, 'v2'), D as Digest))).toBe(`me/app@${D}`);
  });
});
