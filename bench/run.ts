// `npm run bench`: runs every benchmark suite, prints figure / value / goal, and writes bench/latest.json.
// Usage: npm run bench [-- <suite name>...]   (BENCH_RUNS=n sets the runs per measurement, BENCH_PAGES=n the fresh
// pages of learner-chromium, BENCH_SERIES=busybox,node only those of its series)
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { formatFigure, GOALS, type Figures } from './figures.ts';

interface Suite {
  name: string;
  run(): Promise<Figures>;
}

const runs = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : undefined;
const log = (line: string): void => console.error(line);

/** Adding a suite is one line here; adding a figure is one key in the record a suite returns. */
const SUITES: Suite[] = [
  { name: 'files', run: guestFileFigures },
  { name: 'vm-node', run: async () => (await import('./vm-node.ts')).benchVmNode() },
  { name: 'vm-chromium', run: async () => (await import('./vm-chromium.ts')).benchVmChromium({ runs, log }) },
  { name: 'learner-chromium', run: async () => (await import('./learner-chromium.ts')).benchLearnerChromium({ ...(process.env.BENCH_PAGES ? { pages: Number(process.env.BENCH_PAGES) } : {}), ...(process.env.BENCH_SERIES ? { series: process.env.BENCH_SERIES.split(',') } : {}), log }) },
  { name: 'embed-chromium', run: async () => (await import('./embed-chromium.ts')).benchEmbedChromium({ ...(runs ? { runs } : {}), log }) },
  { name: 'preview-chromium', run: async () => (await import('./preview-chromium.ts')).benchPreviewChromium({ ...(runs ? { runs } : {}), log }) },
  { name: 'images-node', run: async () => (await import('./images-node.ts')).benchImagesNode({ ...(runs ? { runs } : {}), log }) },
  { name: 'containers-node', run: async () => (await import('./containers-node.ts')).benchContainersNode({ ...(runs ? { runs } : {}), log }) },
  { name: 'network-node', run: async () => (await import('./network-node.ts')).benchNetworkNode({ ...(runs ? { runs } : {}), log }) },
  { name: 'servers-node', run: async () => (await import('./servers-node.ts')).benchServersNode({ ...(runs ? { runs } : {}), log }) },
  { name: 'compose-node', run: async () => (await import('./compose-node.ts')).benchComposeNode({ ...(runs ? { runs } : {}), log }) },
  { name: 'build-node', run: async () => (await import('./build-node.ts')).benchBuildNode({ ...(runs ? { runs } : {}), log }) },
  { name: 'lessons', run: async () => (await import('./lessons.ts')).benchLessons({ ...(runs ? { runs } : {}), log }) },
];

/** What ships in public/guest/ altogether (vm-node reports the snapshot itself as snapshot_bytes). */
async function guestFileFigures(): Promise<Figures> {
  const dir = 'public/guest';
  const names = await readdir(dir);
  const figures: Figures = {};
  let total = 0;
  for (const name of names) {
    const info = await stat(`${dir}/${name}`);
    if (info.isFile()) total += info.size;
  }
  figures.guest_files_bytes = total;
  return figures;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  if (wanted.length && suites.length !== wanted.length) {
    throw new Error(`Unknown suite in ${wanted.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  const figures: Figures = {};
  const failures: string[] = [];
  for (const suite of suites) {
    log(`bench: ${suite.name}`);
    try {
      Object.assign(figures, await suite.run());
    } catch (error) {
      failures.push(`${suite.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  printTable(figures);
  const latest = new URL('./latest.json', import.meta.url);
  // A run of some suites updates their figures and keeps the others' last values; a full run replaces the file.
  const kept: Figures = wanted.length ? await readFile(latest, 'utf8').then((text) => JSON.parse(text) as Figures, () => ({})) : {};
  const merged = { ...kept, ...figures };
  const json = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(latest, JSON.stringify(json, null, 2) + '\n');
  log(`bench: wrote bench/latest.json${wanted.length ? ' (other suites\' figures kept)' : ''}`);
  if (failures.length) {
    for (const failure of failures) log(`bench: FAILED ${failure}`);
    process.exitCode = 1;
  }
}

function printTable(figures: Figures): void {
  const rows = Object.entries(figures).map(([key, value]) => {
    const goal = GOALS[key];
    const verdict = goal ? (value <= goal.max ? 'met' : 'missed') : '';
    return [key, formatFigure(key, value), goal ? goal.label : '', verdict];
  });
  const header = ['figure', 'value', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

await main();
