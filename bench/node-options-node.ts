// A/B of NODE_OPTIONS for `docker run --rm node node -e 1`, each variant in a fresh machine (v86 compiles the
// guest's hot code as it runs, so a variant measured after another would inherit its compiled code), the variants
// interleaved round by round so the shared host's load falls on all of them. Run: tsx bench/node-options-node.ts
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { timedInGuest } from '../emulator/node-backends/guest-timed.ts';
import { median } from './figures.ts';

// Not `--single-threaded`: node 18 refuses it in NODE_OPTIONS ("is not allowed in NODE_OPTIONS", exit 9), so an
// image's ENV cannot ship it.
// undefined: the image's own NODE_OPTIONS (its startup snapshot); '' turns that off.
const VARIANTS: Record<string, string | undefined> = {
  default: undefined,
  'no-snapshot': '',
  jitless: '--jitless',
  'max-semi-space-size=1': '--max-semi-space-size=1',
};
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const RUNS = Number(process.env.RUNS ?? 3);
const only = process.argv.slice(2);

const results: Record<string, number[][]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, options] of Object.entries(VARIANTS)) {
    if (only.length && !only.includes(name)) continue;
    const machine = await startEngineInGuest();
    try {
      const pull = await timedInGuest(machine.emulator, 'docker pull -q node >/dev/null', { timeoutMs: 600_000 });
      if (pull.exitCode !== 0) throw new Error(`pull: ${pull.stderr}`);
      const env = options === undefined ? '' : `-e NODE_OPTIONS='${options}' `;
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await timedInGuest(machine.emulator, `docker run --rm ${env}node node -e 'console.log(1)'`, { timeoutMs: 600_000 });
        if (r.exitCode !== 0 || r.stdout.trim() !== '1') throw new Error(`${name}: exit ${r.exitCode}: ${r.stdout} ${r.stderr}`);
        times.push(r.ms);
      }
      (results[name] ??= []).push(times);
      console.log(`round ${round + 1} ${name}: ${times.join(', ')} ms (pull ${pull.ms} ms)`);
    } finally {
      await machine.stop();
    }
  }
}
for (const [name, rounds] of Object.entries(results)) {
  console.log(`${name}: first ${median(rounds.map((r) => r[0]!))} ms, later ${median(rounds.flatMap((r) => r.slice(1)))} ms (medians over ${rounds.length} machines)`);
}
