// Golden tests: every testdata/<case>/Dockerfile against its expected.json (the CLI's JSON plus all diagnostics).
// UPDATE_GOLDEN=1 rewrites expected.json from the current parser; review the diff before committing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCliOutput } from './cli-json.ts';
import { parseDockerfile } from './parse.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(TESTDATA, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('Dockerfile golden cases', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(20);
  });
  for (const name of cases) {
    it(name, () => {
      const dir = join(TESTDATA, name);
      const text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
      const actual = toCliOutput(parseDockerfile(text), { diagnostics: true });
      const expectedPath = join(dir, 'expected.json');
      if (update || !existsSync(expectedPath)) {
        writeFileSync(expectedPath, JSON.stringify(actual, null, 2) + '\n');
        if (!update) throw new Error(`${name}: no expected.json; wrote one from the current parser, review it`);
        return;
      }
      expect(actual).toEqual(JSON.parse(readFileSync(expectedPath, 'utf8')));
    });
  }
});
