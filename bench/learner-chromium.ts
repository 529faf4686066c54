// What a learner waits for, as they meet it: the built app on a plain static host, headless Chromium, a fresh
// profile (empty caches and storage) for each page, commands typed into the terminal after the prompt appears.
// Each command is timed in the page from its Enter to the first frame showing its end marker. Figures per command:
// the first run in a fresh page, the median of runs 2-5 and of the later runs (each a median over the pages).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import type { Page } from 'playwright-core';
import { composeFile200Lines, REDIS_ANSWERS } from './compose-node.ts';
import { serveDist } from '../test/e2e/serve-dist.ts';
import { median, type Figures } from './figures.ts';
import { PROMPT_SOURCE, withProfile } from './vm-chromium.ts';

export interface LearnerBenchOptions {
  /** fresh pages (each a new profile); the figures are medians over them */
  pages?: number;
  skipBuild?: boolean;
  /** a built app to serve instead of building dist/ (an A/B of two builds) */
  root?: string;
  /** only the series whose key contains one of these (all when absent) */
  series?: string[];
  log?: (line: string) => void;
}

/** What is typed, how often in each page, and the figure's key prefix. In this order, in each page. */
interface Series {
  key: string;
  /** typed before the series, untimed, one command line each (files the command needs) */
  setup?: string[];
  command: (run: number) => string;
  /** typed before each run, untimed (puts the machine back in the state the command starts from) */
  before?: string;
  runs: number;
  /** measured only when a `series` filter names it (an A/B beside the learner's figures, not one of them) */
  optIn?: boolean;
}

const BUILD_DOCKERFILE = String.raw`FROM busybox\nWORKDIR /app\nRUN echo one > one\nCOPY f .\nRUN cat f one > both\nCMD ["cat", "both"]\n`;

/**
 * Shell command lines that write `text` to `path`: gzipped, in base64 (busybox has both), in pieces, because busybox
 * ash's line editing takes at most 1024 characters a line (FEATURE_EDITING_MAX_LEN) and drops a longer one.
 */
function putFile(path: string, text: string): string[] {
  const pieces = gzipSync(text).toString('base64').match(/.{1,800}/g) ?? [];
  return [...pieces.map((piece, i) => `echo ${piece} ${i === 0 ? '>' : '>>'} /tmp/put.b64`), `base64 -d /tmp/put.b64 | gunzip > ${path}`];
}

// The Compose lesson's app (lessons/20-compose/solution: a busybox web service built from a Dockerfile, and redis),
// written into the guest, its images pulled and built, and up and down once: the series time it with images present.
const COMPOSE_APP = new URL('../lessons/20-compose/solution/', import.meta.url);
const COMPOSE_APP_SETUP = [
  'mkdir -p /root/bench-compose',
  ...['compose.yaml', 'Dockerfile', 'index.cgi', 'serve.sh'].flatMap((f) => putFile(`/root/bench-compose/${f}`, readFileSync(new URL(f, COMPOSE_APP), 'utf8'))),
  'cd /root/bench-compose && docker pull -q redis >/dev/null',
  'docker compose up -d --build 2>/dev/null && docker compose down 2>/dev/null',
];

const SERIES: Series[] = [
  { key: 'docker_run_rm_busybox_true', command: () => 'docker run --rm busybox true', runs: 10 },
  { key: 'docker_run_rm_python_print', command: () => "docker run --rm python python3 -c 'print(1)'", runs: 5 },
  { key: 'docker_run_rm_node_log', command: () => "docker run --rm node node -e 'console.log(1)'", runs: 5 },
  // The node image's NODE_OPTIONS names its startup snapshot; an empty one starts node without it (its A/B).
  { key: 'docker_run_rm_node_nosnapshot_log', command: () => "docker run --rm -e NODE_OPTIONS= node node -e 'console.log(1)'", runs: 5, optIn: true },
  {
    key: 'docker_build_busybox_6',
    // run 1 uncached (a new directory each page), the later ones fully cached
    setup: [`mkdir -p /tmp/bb && cd /tmp/bb && echo hi > f && printf '${BUILD_DOCKERFILE}' > Dockerfile && cd /`],
    command: () => 'docker build -q -t bench-bb /tmp/bb >/dev/null',
    runs: 5,
  },
  {
    key: 'docker_cp_10mb',
    setup: ['dd if=/dev/urandom of=/tmp/ten bs=1M count=10 2>/dev/null; docker create --name bench-cp busybox >/dev/null'],
    command: (i) => `docker cp /tmp/ten bench-cp:/ten${i}`,
    runs: 3,
  },
  // Compose as the learner meets it in lesson 20: up -d of two services (web and redis, images present) until both
  // containers run (`up -d` returns once every container has started), and down; each run from the other state.
  { key: 'docker_compose_up_two_services', setup: COMPOSE_APP_SETUP, before: 'docker compose down 2>/dev/null', command: () => 'docker compose up -d', runs: 5 },
  // down of an app that is up and answering, as a learner's is: redis as PID 1 ignores SIGTERM until its handler is
  // set (seconds after the start in the emulator), so a down right after the up waits out the 10 s stop timeout
  {
    key: 'docker_compose_down_two_services',
    setup: COMPOSE_APP_SETUP,
    before: `docker compose up -d 2>/dev/null && ${REDIS_ANSWERS}`,
    command: () => 'docker compose down',
    runs: 5,
  },
  // config of a 200-line file (20 services), its output to /dev/null as compose-node measures it: the loader's time,
  // not xterm's drawing of 250 lines
  {
    key: 'docker_compose_config_200_lines',
    setup: ['mkdir -p /root/bench-big', ...putFile('/root/bench-big/compose.yaml', composeFile200Lines()), 'cd /root/bench-big'],
    command: () => 'docker compose config >/dev/null',
    runs: 5,
  },
];

export async function benchLearnerChromium(options: LearnerBenchOptions = {}): Promise<Figures> {
  const pages = options.pages ?? 3;
  const log = options.log ?? (() => undefined);
  if (!options.skipBuild && !options.root) {
    log('learner-chromium: building the app (vite build)');
    await build({ logLevel: 'warn' });
  }
  const served = await serveDist({ root: options.root ?? 'dist', basePath: '/drydock/bench/' });
  const times = new Map<string, number[][]>();
  try {
    for (let p = 0; p < pages; p++) {
      await withProfile(async (context) => {
        const page = await context.newPage();
        await page.setViewportSize({ width: 1200, height: 760 });
        await page.goto(served.url);
        await waitForPrompt(page, 120_000);
        await page.getByRole('region', { name: 'Terminal' }).click();
        let n = 0;
        for (const s of SERIES.filter((x) => (options.series ? options.series.some((w) => x.key.includes(w)) : !x.optIn))) {
          for (const line of s.setup ?? []) await timed(page, line, ++n);
          const runs: number[] = [];
          for (let i = 1; i <= s.runs; i++) {
            if (s.before) await timed(page, s.before, ++n);
            runs.push(await timed(page, s.command(i), ++n));
          }
          log(`learner-chromium: page ${p + 1}/${pages}: ${s.key}: ${runs.map(Math.round).join(', ')} ms`);
          times.set(s.key, [...(times.get(s.key) ?? []), runs]);
        }
      });
    }
  } finally {
    await served.close();
  }
  const figures: Figures = {};
  for (const [key, perPage] of times) {
    figures[`${key}_first_ms_chromium`] = Math.round(median(perPage.map((r) => r[0]!)));
    figures[`${key}_runs_2_5_ms_chromium`] = Math.round(median(perPage.map((r) => median(r.slice(1, 5)))));
    if (perPage.every((r) => r.length > 5)) figures[`${key}_later_ms_chromium`] = Math.round(median(perPage.map((r) => median(r.slice(5)))));
  }
  return figures;
}

async function waitForPrompt(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(
    (source) => {
      const rows = document.querySelector('.xterm-rows');
      const lines = rows ? Array.from(rows.children, (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).filter((l) => l !== '') : [];
      return new RegExp(source).test(lines[lines.length - 1] ?? '');
    },
    PROMPT_SOURCE,
    { polling: 'raf', timeout },
  );
}

/**
 * Types `command; echo <marker>` and returns ms from Enter to the frame showing the marker's line. The marker is
 * printed by the shell's arithmetic, so the typed line (which shows `$((n+0))`) cannot match it.
 */
async function timed(page: Page, command: string, n: number): Promise<number> {
  await page.keyboard.type(`${command}; echo "bench-$((${n}+0))-$?"`);
  const marker = `bench-${n}-`;
  const t0 = await page.evaluate(() => performance.now());
  await page.keyboard.press('Enter');
  const handle = await page.waitForFunction(
    (m) => {
      const rows = document.querySelector('.xterm-rows');
      const line = rows ? Array.from(rows.children, (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trim()).find((l) => l.startsWith(m)) : undefined;
      return line ? [performance.now(), line] : false;
    },
    marker,
    { polling: 'raf', timeout: 600_000 },
  );
  const [t1, line] = (await handle.jsonValue()) as [number, string];
  if (line !== `${marker}0`) throw new Error(`${command}: exit ${line.slice(marker.length)} (typed in the page)`);
  await waitForPrompt(page, 30_000);
  return t1 - t0;
}
