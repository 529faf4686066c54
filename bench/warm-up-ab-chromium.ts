// A/B of the idle-time warm-up (engine/runtime/warm-up.ts) as the learner meets it: two builds, pages alternating
// between them, `docker run --rm busybox true` typed 10 times in each fresh page.
//   npx vite build --outDir /tmp/dist-nowarm && VITE_DRYDOCK_WARM_UP_RUNS=3 npx vite build --outDir /tmp/dist-warm
//   npx tsx bench/warm-up-ab-chromium.ts /tmp/dist-nowarm /tmp/dist-warm [pages per build]
import { benchLearnerChromium } from './learner-chromium.ts';

const [a, b, pages = '2'] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: warm-up-ab-chromium.ts DIST_A DIST_B [PAGES]');
const results: Record<string, Record<string, number>[]> = { [a]: [], [b]: [] };
for (let i = 0; i < Number(pages); i++) {
  for (const root of [a, b]) {
    const figures = await benchLearnerChromium({ root, pages: 1, series: ['busybox_true'], log: (l) => console.error(`${root}: ${l}`) });
    results[root]!.push(figures);
  }
}
console.log(JSON.stringify(results, null, 2));
