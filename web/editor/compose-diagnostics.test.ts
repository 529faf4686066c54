// Unit tests for the compose file's load errors and warnings as located problems in the editor.
import { describe, expect, it } from 'vitest';
import { composeDiagnostics } from './compose-diagnostics.ts';
import { MARKER_SEVERITY, toMarker } from './dockerfile-markers.ts';
import { isComposeFile, languageForPath } from './languages.ts';

const none = () => undefined;

describe('composeDiagnostics', () => {
  it('knows the file names docker compose looks for, highlighted as YAML', () => {
    expect(['compose.yaml', 'compose.yml', 'docker-compose.yml', 'app/docker-compose.yaml'].map(isComposeFile)).toEqual([true, true, true, true]);
    expect(isComposeFile('config.yaml')).toBe(false);
    expect(languageForPath('compose.yaml')).toBe('yaml');
    expect(languageForPath('ci.yml')).toBe('yaml');
  });

  it('a valid file has no problems', async () => {
    expect(await composeDiagnostics('compose.yaml', 'services:\n  web:\n    build: .\n    ports: ["8000:8000"]\n', none)).toEqual([]);
  });

  it("puts the schema's error on the key's line, with Compose's words and the guest path", async () => {
    const text = 'services:\n  web:\n    image: busybox\n    ports: 8000\n';
    const [problem, ...rest] = await composeDiagnostics('compose.yaml', text, none);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ severity: 'error', message: 'validating /root/app/compose.yaml:4: services.web.ports must be a array', range: { startLine: 4, startColumn: 5, endLine: 4, endColumn: 16 } });
    expect(toMarker(problem!, 'compose')).toMatchObject({ severity: MARKER_SEVERITY.error, startLineNumber: 4, source: 'compose' });
  });

  it('a YAML syntax error is on its line', async () => {
    const [problem] = await composeDiagnostics('compose.yaml', 'services:\n  web:\n    image: busybox\n   bad\n', none);
    expect(problem).toMatchObject({ severity: 'error', range: { startLine: 4 } });
    expect(problem!.message).toMatch(/^yaml: line 4: /);
  });

  it('an unset variable warns on the line that uses it; .env of the project sets it', async () => {
    const text = 'services:\n  web:\n    image: busybox\n    environment:\n      GREETING: ${GREETING}\n';
    expect(await composeDiagnostics('compose.yaml', text, none)).toEqual([
      expect.objectContaining({ severity: 'warning', message: 'The "GREETING" variable is not set. Defaulting to a blank string.', range: expect.objectContaining({ startLine: 5 }) }),
    ]);
    expect(await composeDiagnostics('compose.yaml', text, (p) => (p === '.env' ? 'GREETING=hi\n' : undefined))).toEqual([]);
  });
});
