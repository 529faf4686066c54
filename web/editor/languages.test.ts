// Unit tests for file languages and the parser diagnostics turned into Monaco markers.
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../emulator/engine/dockerfile/index.ts';
import { MARKER_SEVERITY, toMarker } from './dockerfile-markers.ts';
import { isDockerfile, languageForPath } from './languages.ts';

describe('languageForPath', () => {
  it('knows Dockerfiles by name, and a few languages by extension', () => {
    expect(['Dockerfile', 'src/Dockerfile.dev', 'app.dockerfile'].map(isDockerfile)).toEqual([true, true, true]);
    expect(isDockerfile('Dockerfiles.md')).toBe(false);
    expect(languageForPath('Dockerfile')).toBe('dockerfile');
    expect(languageForPath('index.js')).toBe('javascript');
    expect(languageForPath('package.json')).toBe('javascript');
    expect(languageForPath('app.py')).toBe('python');
    expect(languageForPath('run.sh')).toBe('shell');
    expect(languageForPath('.dockerignore')).toBe('plaintext');
    expect(languageForPath('README')).toBe('plaintext');
  });
});

describe('toMarker', () => {
  it('puts a misspelt instruction on its line and columns, as an error', () => {
    const { diagnostics } = parseDockerfile('FROM node\nWORKDIR /app\nFORM busybox\n', { file: 'Dockerfile' });
    const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => toMarker(d));
    expect(errors).toEqual([
      expect.objectContaining({ severity: MARKER_SEVERITY.error, startLineNumber: 3, startColumn: 1, endLineNumber: 3, endColumn: 5 }),
    ]);
    expect(errors[0]!.message).toMatch(/unknown instruction: FORM/);
  });

  it('widens an empty range so the underline shows', () => {
    const marker = toMarker({ severity: 'warning', message: 'm', file: 'Dockerfile', range: { startLine: 2, startColumn: 4, endLine: 2, endColumn: 4 } });
    expect(marker).toMatchObject({ severity: MARKER_SEVERITY.warning, startColumn: 4, endColumn: 5 });
  });
});
