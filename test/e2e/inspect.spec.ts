// The Inspect panel in the page: a layer two images share is shown once and marked shared, a layer's files list from
// its tar, a file written in a running container appears in its upper-dir view (how soon: logged), a memory hog's
// OOM kill is marked in its cgroup's view, and a published port is traced to its container in the network view.
import type { Page } from '@playwright/test';
import { seriousViolations } from './axe.ts';
import { expect, test, type TerminalDriver } from './fixtures.ts';

/**
 * A bound on waiting for the open panel to show a change, not the speed goal (issue 15's 1 s lives in the measured
 * figure this test logs): a timed test would fail on a loaded machine for no fault of the view.
 */
const UPDATE_BOUND_MS = Number(process.env.DRYDOCK_INSPECT_BOUND_MS ?? 20_000);

test.beforeEach(async ({ page, terminal }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'drydock' })).toBeVisible();
  await terminal.waitForPrompt();
});

async function sh(terminal: TerminalDriver, command: string, done: RegExp, timeout = 60_000): Promise<void> {
  await terminal.run(command);
  await terminal.waitForLine(done, timeout);
  await terminal.waitForPrompt();
}

async function openInspect(page: Page): Promise<void> {
  const rail = page.getByRole('button', { name: 'Inspect' });
  // reachable by keyboard: focus the rail button and press Enter
  await rail.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Inspect' })).toBeVisible();
}

test('a layer two images share is shown once, marked shared; its files list from the tar', async ({ page, terminal }) => {
  // `docker commit` makes a second image on busybox's layer: the two share it, as python and node share debian's.
  await sh(terminal, 'docker pull -q busybox && docker run --name wr busybox sh -c "echo hi > /hi.txt; rm /bin/vi" && docker commit wr mine && echo made=$?', /^made=0$/, 90_000);
  await openInspect(page);
  const panel = page.getByRole('region', { name: 'Inspect' });
  const table = panel.getByRole('table', { name: /^Layers, newest first/ });
  const sharedRow = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'shared by 2' }) });
  await expect(sharedRow).toHaveCount(1);
  await expect(sharedRow.getByRole('cell').first()).toHaveText(/busybox:latest, mine:latest|mine:latest, busybox:latest/);
  // mine's own layer: used by mine alone, and its files are the commit's: the new file and vi's whiteout
  const own = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'mine:latest', exact: true }) });
  await expect(own).toHaveCount(1);
  await expect(own.getByRole('cell').nth(1)).toHaveText('no');
  await own.getByRole('button').click();
  const files = panel.getByRole('region', { name: /^Files of layer / });
  await expect(files.getByRole('row', { name: '/hi.txt file 3 B' })).toBeVisible();
  await expect(files.getByRole('row', { name: '/bin/vi deleted (whiteout)' })).toBeVisible();
  // Escape closes the panel and gives the rail button the focus back
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Inspect' })).toBeFocused();
});

test('a file written in a running container appears in its upper-dir view, copy-up too', async ({ page, terminal }, testInfo) => {
  await sh(terminal, 'docker run -d --name box busybox sleep 1000 >/dev/null && echo started=$?', /^started=0$/, 90_000);
  await openInspect(page);
  const panel = page.getByRole('region', { name: 'Inspect' });
  await panel.getByRole('tab', { name: 'Container file system' }).click();
  await panel.getByRole('combobox').selectOption('box');
  const upper = panel.getByRole('table', { name: /^Upper dir \(writable\)/ });
  await expect(upper).toBeVisible();
  await expect(upper.getByRole('row', { name: /\/root\/note\.txt/ })).toHaveCount(0);
  const sizeBefore = await panel.getByLabel('Upper dir size').textContent();

  // One change per command, each made as the command ends: from its output on, the view has its bound.
  const latency = async (marker: string, command: string, row: string): Promise<number> => {
    await terminal.run(`${command} && echo ${marker}=$?`);
    await terminal.waitForLine(new RegExp(`^${marker}=0$`));
    const written = Date.now();
    await expect(upper.getByRole('row', { name: row })).toBeVisible({ timeout: UPDATE_BOUND_MS });
    const ms = Date.now() - written;
    await terminal.waitForPrompt();
    return ms;
  };
  const added = await latency('wrote1', 'docker exec box sh -c "head -c 5000 /dev/zero > /root/note.txt"', 'Added /root/note.txt added: only in the upper dir');
  const copied = await latency('wrote2', 'docker exec box sh -c "echo x >> /etc/passwd"', 'Changed /etc/passwd changed: copied up from a lower layer');
  await expect(panel.getByLabel('Upper dir size')).not.toHaveText(sizeBefore ?? '');
  await expect(panel.getByLabel('docker diff box')).toHaveText('C /etc/passwd\nC /root\nA /root/note.txt\n');
  const refreshMs = await panel.getAttribute('data-refresh-ms');
  const note = `upper-dir view updated ${added} ms (added file) and ${copied} ms (copy-up) after the command printed; last refresh took ${refreshMs} ms`;
  testInfo.annotations.push({ type: 'timing', description: note });
  console.log(`[timing] ${note}`);
});

test('a container\'s process is PID 1 inside and another PID on the host, in namespaces of its own but the user one', async ({ page, terminal }, testInfo) => {
  await sh(terminal, 'docker run -d --name box busybox sleep 1000 >/dev/null && echo started=$?', /^started=0$/, 90_000);
  await openInspect(page);
  const panel = page.getByRole('region', { name: 'Inspect' });
  // the arrow keys move between the views (WAI-ARIA tabs): End to the last (network), then Left past cgroups
  await panel.getByRole('tab', { selected: true }).focus();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(panel.getByRole('tab', { name: 'Processes and namespaces' })).toBeFocused();
  await expect(panel.getByRole('tab', { name: 'Processes and namespaces' })).toHaveAttribute('aria-selected', 'true');
  const table = panel.getByRole('table', { name: /^Processes \(\d+, kernel threads left out\)/ });
  const sleep = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'sleep 1000', exact: true }) });
  await expect(sleep).toHaveCount(1, { timeout: 30_000 });
  // columns after the PID (the row header): PID inside, parent, command, container, pid mnt net uts ipc cgroup user
  const cells = sleep.getByRole('cell');
  await expect(cells.nth(0)).toHaveText('1');
  await expect(sleep.getByRole('rowheader')).not.toHaveText('1');
  await expect(cells.nth(3)).toHaveText('box');
  const host = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: '1', exact: true }) });
  for (const [i, kind] of ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup'].entries()) {
    await expect(cells.nth(4 + i), kind).toHaveText('box');
    await expect(host.getByRole('cell').nth(4 + i), kind).toHaveText('host');
  }
  await expect(cells.nth(10)).toHaveText('host');
  await expect(panel.getByRole('list', { name: 'Namespaces of each container' })).toContainText('box: its own pid, mnt, net, uts, ipc, cgroup namespaces; shares user with the host');
  await expect(panel.getByRole('list', { name: 'Namespaces of each container' })).toContainText('CAP_NET_BIND_SERVICE');
  const hostPid = await sleep.getByRole('rowheader').textContent();
  await sh(terminal, `grep NSpid /proc/${hostPid}/status`, new RegExp(`^NSpid:\\s+${hostPid}\\s+1$`));
  const note = `processes view: last refresh took ${await panel.getAttribute('data-refresh-ms')} ms`;
  testInfo.annotations.push({ type: 'timing', description: note });
  console.log(`[timing] ${note}`);
});

test('a memory hog\'s chart reaches its limit with an OOM kill marked; its published port leads through docker0 to it', async ({ page, terminal }, testInfo) => {
  // the shell outlives dd's OOM kill, so the cgroup stays to be read; the pause lets the panel look before the kill
  await sh(terminal, `docker run -d --name hog --memory 8m -p 8089:80 busybox sh -c 'sleep 4; dd if=/dev/zero of=/dev/null bs=16M count=1; sleep 1000' >/dev/null && echo started=$?`, /^started=0$/, 90_000);
  await openInspect(page);
  const panel = page.getByRole('region', { name: 'Inspect' });
  await panel.getByRole('tab', { name: 'cgroups' }).click();
  const now = panel.getByRole('table', { name: /^cgroup of hog / });
  await expect(now.getByRole('row', { name: /^Memory [\d.]+ [KM]B .*8\.0 MB memory\.current, memory\.max$/ })).toBeVisible({ timeout: 60_000 });
  const events = panel.getByRole('table', { name: /^Events: counters that grew/ });
  const oom = events.getByRole('row').filter({ hasText: 'OOM kill: the kernel killed 1 process over memory.max (memory.events oom_kill +1)' });
  await expect(oom).toHaveCount(1, { timeout: UPDATE_BOUND_MS + 60_000 });
  await expect(now.getByRole('row', { name: 'OOM kills 1 memory.events oom_kill' })).toBeVisible();
  // the peak reached the limit: the chart's dotted line on its dashed one
  await expect(now.getByRole('row', { name: 'Memory peak 8.0 MB memory.peak' })).toBeVisible();
  await expect(panel.getByRole('img', { name: /^Memory chart: .*, peak 8\.0 MB, limit 8\.0 MB; 1 OOM kill marked$/ })).toBeVisible();
  const when = await oom.getByRole('cell').first().textContent();
  const violations = await seriousViolations(page, 'inspect cgroups');

  await panel.getByRole('tab', { name: 'Network' }).click();
  const docker0 = panel.getByRole('table', { name: /^Bridge docker0 \(network bridge\): 172\.17\.0\.0\/16, gateway 172\.17\.0\.1$/ });
  const row = docker0.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'hog', exact: true }) });
  await expect(row.getByRole('cell').nth(0)).toHaveText(/^172\.17\.0\.\d+\/16$/);
  await expect(row.getByRole('cell').nth(1)).toHaveText(/^veth[0-9a-f]{7} = eth0$/);
  const address = (await row.getByRole('cell').nth(0).textContent())?.split('/')[0];
  const veth = (await row.getByRole('cell').nth(1).textContent())?.split(' ')[0];
  const port = panel.getByRole('table', { name: /^Published ports/ }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: '0.0.0.0:8089/tcp' }) });
  await expect(port.getByRole('cell').nth(0)).toHaveText('hog:80');
  await expect(port.getByRole('cell').nth(1)).toHaveText(`the page's Ports button 8089 (ports/8089/ under the app's address) → the guest's every address, port 8089/tcp → DNAT to ${address}:80 → bridge docker0 → ${veth} = eth0 in hog → hog listening on 80/tcp`);
  violations.push(...(await seriousViolations(page, 'inspect network')));
  expect(violations).toEqual([]);
  // the kernel agrees: that veth is docker0's
  await sh(terminal, `readlink /sys/class/net/${veth}/master`, /\/docker0$/);
  const note = `cgroups view: OOM kill listed (${when}); last refresh took ${await panel.getAttribute('data-refresh-ms')} ms (network view)`;
  testInfo.annotations.push({ type: 'timing', description: note });
  console.log(`[timing] ${note}`);
});

// The guest's cost of an open panel: a shell busy-loop counts for 10 s with the panel closed, then open on the
// container view (the dearer one: it reads the container's upper dir), alternating, three times each.
// DRYDOCK_INSPECT_BENCH=1 runs it (it takes a minute and a half); it prints the medians. DRYDOCK_INSPECT_BENCH_VIEW=processes
// (cgroups, network) measures that view instead.
const BENCH_VIEWS: Record<string, { tab: string; table: RegExp }> = {
  container: { tab: 'Container file system', table: /^Upper dir \(writable\)/ },
  processes: { tab: 'Processes and namespaces', table: /^Processes \(/ },
  cgroups: { tab: 'cgroups', table: /^cgroup of box / },
  network: { tab: 'Network', table: /^Published ports/ },
};

test('bench: a busy loop in the guest with the panel closed and open', async ({ page, terminal }, testInfo) => {
  test.skip(!process.env.DRYDOCK_INSPECT_BENCH, 'DRYDOCK_INSPECT_BENCH=1 runs the benchmark');
  test.setTimeout(600_000);
  const view = process.env.DRYDOCK_INSPECT_BENCH_VIEW ?? 'container';
  const bench = BENCH_VIEWS[view];
  if (!bench) throw new Error(`DRYDOCK_INSPECT_BENCH_VIEW=${view}: one of ${Object.keys(BENCH_VIEWS).join(', ')}`);
  await sh(terminal, 'docker run -d --name box busybox sleep 1000 >/dev/null && echo started=$?', /^started=0$/, 90_000);
  const loop = async (round: string): Promise<number> => {
    await terminal.run(`sh -c 'i=0; trap "echo ${round}=\\$i; exit" TERM; while :; do i=$((i+1)); done' & P=$!; sleep 10; kill $P; wait $P`);
    const m = await terminal.waitForLine(new RegExp(`^${round}=(\\d+)$`), 60_000);
    await terminal.waitForPrompt();
    return Number(m[1]);
  };
  // a first round warms v86's JIT up (a cold shell loop runs several times slower)
  await loop('warmup');
  const closed: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < 3; i++) {
    closed.push(await loop(`closed${i}`));
    await openInspect(page);
    const panel = page.getByRole('region', { name: 'Inspect' });
    await panel.getByRole('tab', { name: bench.tab }).click();
    await expect(panel.getByRole('table', { name: bench.table })).toBeVisible({ timeout: 60_000 });
    open.push(await loop(`open${i}`));
    await panel.getByRole('button', { name: 'Close the Inspect panel' }).click();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
  const note = `busy loop 10 s: panel closed ${closed.join(', ')} (median ${median(closed)}); open on the ${view} view ${open.join(', ')} (median ${median(open)}); ${(100 * (1 - median(open) / median(closed))).toFixed(1)} % fewer`;
  testInfo.annotations.push({ type: 'timing', description: note });
  console.log(`[bench] ${note}`);
});
