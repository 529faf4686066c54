import { describe, expect, it } from 'vitest';
import { cleanPath, isIgnored, parseDockerignore } from './dockerignore.ts';

const ignored = (patterns: string, path: string) => isIgnored(path, parseDockerignore(patterns));

describe('.dockerignore (moby/patternmatcher semantics)', () => {
  it('matches a name at the context root only (not gitignore: no implicit **/)', () => {
    expect(ignored('*.log', 'debug.log')).toBe(true);
    expect(ignored('*.log', 'logs/debug.log')).toBe(false);
    expect(ignored('**/*.log', 'logs/a/debug.log')).toBe(true);
    expect(ignored('**/*.log', 'debug.log')).toBe(true);
  });

  it('excludes everything below a matching directory', () => {
    expect(ignored('node_modules', 'node_modules/express/index.js')).toBe(true);
    expect(ignored('node_modules/', 'node_modules/a')).toBe(true);
    expect(ignored('/node_modules', 'node_modules')).toBe(true);
    expect(ignored('node_modules', 'src/node_modules/a')).toBe(false);
  });

  it('lets the last matching pattern win, ! bringing files back', () => {
    const p = '*.md\n!README.md\n';
    expect(ignored(p, 'NOTES.md')).toBe(true);
    expect(ignored(p, 'README.md')).toBe(false);
    expect(ignored('!README.md\n*.md', 'README.md')).toBe(true);
    expect(ignored('docs\n!docs/keep.txt', 'docs/keep.txt')).toBe(false);
    expect(ignored('docs\n!docs/keep.txt', 'docs/other.txt')).toBe(true);
  });

  it('skips comments and blank lines, cleans patterns', () => {
    const p = parseDockerignore('# a comment\n\n  ./build/../dist//  \n');
    expect(p.map((x) => x.pattern)).toEqual(['dist']);
    expect(isIgnored('dist/app.js', p)).toBe(true);
  });

  it('supports ? and character classes within one element, ** across elements', () => {
    expect(ignored('file?.txt', 'file1.txt')).toBe(true);
    expect(ignored('file?.txt', 'file10.txt')).toBe(false);
    expect(ignored('[ab].txt', 'a.txt')).toBe(true);
    expect(ignored('[ab].txt', 'c.txt')).toBe(false);
    expect(ignored('a/**/z', 'a/b/c/z')).toBe(true);
    expect(ignored('a/**/z', 'a/z')).toBe(true);
    expect(ignored('a/*/z', 'a/b/c/z')).toBe(false);
  });

  it('cleans paths like filepath.Clean', () => {
    expect(cleanPath('./a//b/../c/')).toBe('a/c');
    expect(cleanPath('/../x')).toBe('/x');
    expect(cleanPath('')).toBe('.');
  });
});
