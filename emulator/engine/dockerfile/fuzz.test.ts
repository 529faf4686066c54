// Robustness: random splices of the golden Dockerfiles never throw and always give well-formed, in-file diagnostics.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCliOutput } from './cli-json.ts';
import { parseDockerfile } from './parse.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const corpus = readdirSync(TESTDATA).map((name) => readFileSync(join(TESTDATA, name, 'Dockerfile'), 'utf8'));
const lines = corpus.flatMap((text) => text.split('\n'));
const fragments = ['\\', '`', '"', "'", '<<EOF', '<<-', '${', '}', '[', ']', '--', '=', ' ', '\t', '#', '\r', 'EOF'];

/** Deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(rand: () => number): string {
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const out: string[] = [];
  const count = Math.floor(rand() * 12);
  for (let i = 0; i < count; i++) {
    let line = pick(lines);
    if (rand() < 0.4) {
      const at = Math.floor(rand() * (line.length + 1));
      line = line.slice(0, at) + pick(fragments) + line.slice(at + (rand() < 0.5 ? 1 : 0));
    }
    out.push(line);
  }
  return out.join(rand() < 0.1 ? '\r\n' : '\n') + (rand() < 0.5 ? '\n' : '');
}

describe('fuzz', () => {
  // ~2 s of CPU alone; the unit project runs a worker per core, so 5 s is too tight on a shared 2-core machine
  it('2000 random Dockerfiles parse without throwing', { timeout: 20_000 }, () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const text = mutate(random(seed));
      const lineCount = Math.max(text.split('\n').length, 1);
      let parsed;
      try {
        parsed = parseDockerfile(text);
        toCliOutput(parsed, { diagnostics: true });
      } catch (error) {
        throw new Error(`seed ${seed} threw on:\n${text}\n${(error as Error).stack}`);
      }
      if (parsed.stages.length === 0) expect(parsed.diagnostics.some((d) => d.severity === 'error'), `seed ${seed}`).toBe(true);
      for (const d of parsed.diagnostics) {
        const r = d.range;
        expect(r.startLine, `seed ${seed}: ${d.message}`).toBeGreaterThanOrEqual(1);
        expect(r.endLine, `seed ${seed}: ${d.message}`).toBeLessThanOrEqual(lineCount);
        expect(r.endLine > r.startLine || r.endColumn >= r.startColumn, `seed ${seed}: ${d.message}`).toBe(true);
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
  });
});
