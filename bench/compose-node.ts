// Compose figures in Node, on the real guest: `docker compose up -d` of the course's two-service app (lesson 20:
// a built busybox web service and redis) with its images present, `docker compose down`, and `docker compose config`
// of a 200-line file, typed in the guest; the same config in Node alone (the loader and the YAML printer).
import { readFileSync } from 'node:fs';
import { configYaml } from '../emulator/engine/compose/config-yaml.ts';
import { loadProject } from '../emulator/engine/compose/load.ts';
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { timedInGuest, timedInGuestOk } from '../emulator/node-backends/guest-timed.ts';
import { median, type Figures } from './figures.ts';

const APP = new URL('../lessons/20-compose/solution/', import.meta.url);
const APP_FILES = ['compose.yaml', 'Dockerfile', 'index.cgi', 'serve.sh'];
/** Waits (bounded) until the app's redis answers: a down measured right after the up would time redis's start. */
export const REDIS_ANSWERS = 'i=0; until docker compose exec -T redis redis-cli ping >/dev/null 2>&1 || [ $i -ge 100 ]; do i=$((i+1)); sleep 0.2; done';

/** 20 services of 10 lines each: image, command, ports, environment, depends_on, volumes. */
export function composeFile200Lines(): string {
  const lines = ['services:'];
  for (let i = 0; i < 20; i++) {
    lines.push(`  svc${i}:`, '    image: busybox', `    command: ["httpd", "-f", "-p", "${8100 + i}"]`, '    ports:', `      - "${8100 + i}:${8100 + i}"`);
    lines.push('    environment:', `      NAME: svc${i}`, i > 0 ? `    depends_on: [svc${i - 1}]` : '    restart: unless-stopped', '    volumes:', `      - data${i % 3}:/data`);
  }
  lines.push('volumes:', '  data0:', '  data1:', '  data2:');
  return `${lines.join('\n')}\n`;
}

export async function benchComposeNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const big = composeFile200Lines();
  const figures: Figures = {};

  const nodeRuns: number[] = [];
  for (let i = 0; i < Math.max(runs, 20); i++) {
    const t = performance.now();
    const { project } = await loadProject({ file: { path: '/root/big/compose.yaml', text: big }, workingDir: '/root/big', env: {}, readFile: async () => undefined });
    configYaml(project);
    nodeRuns.push(performance.now() - t);
  }
  figures.compose_config_200_lines_ms_node = median(nodeRuns.slice(5));

  const machine = await startEngineInGuest();
  const timed = (script: string) => timedInGuestOk(machine.emulator, script, { timeoutMs: 300_000 });
  try {
    let put = 'mkdir -p /root/app /root/big\n';
    for (const f of APP_FILES) put += `cat > /root/app/${f} <<'EOF'\n${readFileSync(new URL(f, APP), 'utf8')}EOF\n`;
    put += `cat > /root/big/compose.yaml <<'EOF'\n${big}EOF\n`;
    await timed(put);
    const lines = (await timedInGuest(machine.emulator, 'wc -l < /root/big/compose.yaml')).stdout.trim();
    await timed('docker pull -q busybox >/dev/null && docker pull -q redis >/dev/null');
    // the image built and everything created once, unmeasured (v86 compiles the guest's hot paths meanwhile)
    await timed('cd /root/app && docker compose up -d --build 2>/dev/null && docker compose down 2>/dev/null');
    const ups: number[] = [];
    const downs: number[] = [];
    for (let i = 0; i < runs; i++) {
      ups.push(await timed('cd /root/app && docker compose up -d 2>/dev/null'));
      // (the app up and answering first: see REDIS_ANSWERS)
      await timed(`cd /root/app && ${REDIS_ANSWERS}`);
      downs.push(await timed('cd /root/app && docker compose down 2>/dev/null'));
    }
    const configs: number[] = [];
    for (let i = 0; i < runs; i++) configs.push(await timed('cd /root/big && docker compose config >/dev/null'));
    log(`compose-node: up -d (2 services, images present): ${ups.join(', ')} ms; down: ${downs.join(', ')} ms; config of ${lines} lines: ${configs.join(', ')} ms in the guest, ${figures.compose_config_200_lines_ms_node.toFixed(1)} ms in Node`);
    figures.compose_up_two_services_ms_guest = median(ups);
    figures.compose_down_two_services_ms_guest = median(downs);
    figures.compose_config_200_lines_ms_guest = median(configs);
    return figures;
  } finally {
    await machine.stop();
  }
}
