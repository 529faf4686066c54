// Debian i386 packages for the images: pinned download, extraction with dpkg-deb, status stanzas, dependency check.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunOptions } from './sh.ts';

/**
 * Packages taken from a newer Debian release than bookworm, each for a reason. The guest's busybox
 * (emulator/guest/build.sh) comes from the same suite, so the guest and the image behave alike.
 */
export const FROM_SUITE: ReadonlyMap<string, string> = new Map([
  // bookworm's busybox 1.35 is built without FEATURE_WGET_TIMEOUT and segfaults on `wget -T 5`; trixie's 1.37 does not.
  ['busybox-static', 'trixie'],
]);

const aptSuite = fileURLToPath(new URL('../apt-suite.sh', import.meta.url));

/** apt-get or apt-cache for this package: the machine's own sources, or its FROM_SUITE release's. */
function apt(name: string, tool: 'apt-get' | 'apt-cache', args: string[], options?: RunOptions): string {
  const suite = FROM_SUITE.get(name);
  return suite ? run(aptSuite, [suite, tool, ...args], options) : run(tool, args, options);
}

export interface DebPackage {
  name: string;
  version: string;
  file: string;
  /** The control file, as dpkg-deb prints it (used for the image's dpkg status file). */
  control: string;
}

/**
 * Versions are pinned in packages.lock so that two builds fetch the same bytes; `--update-lock`
 * re-resolves to the archive's current candidates (bookworm point releases replace old versions).
 */
export class PackageCache {
  private readonly lock = new Map<string, { version: string; sha256: string }>();
  private readonly loaded = new Map<string, DebPackage>();

  constructor(
    private readonly debDir: string,
    private readonly lockFile: string,
    updateLock: boolean,
  ) {
    mkdirSync(debDir, { recursive: true });
    if (existsSync(lockFile) && !updateLock) {
      for (const line of readFileSync(lockFile, 'utf8').split('\n')) {
        const [name, version, sha256] = line.trim().split(/\s+/);
        if (name && version && sha256 && !name.startsWith('#')) this.lock.set(name, { version, sha256 });
      }
    }
  }

  get(name: string): DebPackage {
    const cached = this.loaded.get(name);
    if (cached) return cached;
    const pinned = this.lock.get(name);
    // apt-cache is slow (seconds a call on a busy machine): ask it only when a download is needed.
    let version = pinned?.version;
    let file = version === undefined ? undefined : findDeb(this.debDir, name, version);
    if (!file) {
      const resolved = pinned ? { version: pinned.version, spec: specFor(name, pinned.version) } : candidate(name);
      version = resolved.version;
      file = findDeb(this.debDir, name, version);
      if (!file) {
        // apt-get download writes into the current directory; run it from the cache directory.
        apt(name, 'apt-get', ['download', '-q', resolved.spec], { cwd: this.debDir, quiet: true });
        file = findDeb(this.debDir, name, version);
        if (!file) throw new Error(`apt-get download ${resolved.spec} left no .deb in ${this.debDir}`);
      }
    }
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    if (pinned && pinned.sha256 !== sha256) {
      throw new Error(`${name} ${version}: sha256 ${sha256} does not match packages.lock (${pinned.sha256})`);
    }
    this.lock.set(name, { version: version!, sha256 });
    const control = run('dpkg-deb', ['-f', file]);
    const pkg: DebPackage = { name, version: version!, file, control };
    this.loaded.set(name, pkg);
    return pkg;
  }

  /** Extracts the package's files (no maintainer scripts run) into dir. */
  extract(pkg: DebPackage, dir: string): void {
    mkdirSync(dir, { recursive: true });
    run('dpkg-deb', ['--extract', pkg.file, dir]);
  }

  writeLock(): void {
    const lines = [...this.lock.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, { version, sha256 }]) => `${name} ${version} ${sha256}`);
    const header = '# Debian bookworm i386 packages of the images (FROM_SUITE in packages.ts: newer ones): name version sha256 (npm run images:build -- --update-lock)';
    writeFileSync(this.lockFile, `${header}\n${lines.join('\n')}\n`);
  }

  /** Cached .deb files no image uses any more (for a tidy cache; not deleted automatically). */
  unused(): string[] {
    const used = new Set([...this.loaded.values()].map((p) => p.file));
    return readdirSync(this.debDir).filter((f) => !used.has(join(this.debDir, f)));
  }
}

/** Architecture: all packages have no `:i386` candidate; they are the same for every architecture. */
function candidate(name: string): { version: string; spec: string } {
  for (const qualified of [`${name}:i386`, name]) {
    const match = /Candidate:\s*(\S+)/.exec(apt(name, 'apt-cache', ['policy', qualified]));
    if (match?.[1] && match[1] !== '(none)') return { version: match[1], spec: `${qualified}=${match[1]}` };
  }
  throw new Error(`no i386 candidate for ${name} (is i386 enabled and apt updated?)`);
}

function specFor(name: string, version: string): string {
  const policy = apt(name, 'apt-cache', ['policy', `${name}:i386`]);
  return /Candidate:\s*\(none\)/.test(policy) || !policy.trim() ? `${name}=${version}` : `${name}:i386=${version}`;
}

/** apt-get download's file name: the epoch's colon is percent-encoded, the architecture is i386 or all. */
function findDeb(dir: string, name: string, version: string): string | undefined {
  const stem = `${name}_${version.replace(':', '%3a')}_`;
  for (const arch of ['i386', 'all']) {
    const file = join(dir, `${stem}${arch}.deb`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Parses a control stanza into fields (continuation lines folded back in). */
export function controlFields(control: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = '';
  for (const line of control.split('\n')) {
    if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last)}\n${line}`);
    else {
      const colon = line.indexOf(':');
      if (colon > 0) {
        last = line.slice(0, colon);
        fields.set(last, line.slice(colon + 1).trim());
      }
    }
  }
  return fields;
}

/** The package's stanza for /var/lib/dpkg/status, as if dpkg had installed it. */
export function statusStanza(pkg: DebPackage): string {
  const lines = pkg.control.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('Package:'));
  lines.splice(at + 1, 0, 'Status: install ok installed');
  return `${lines.join('\n')}\n`;
}

/**
 * Depends/Pre-Depends of the chosen packages that nothing chosen satisfies (versions ignored).
 * An image lists the ones it leaves out on purpose, with a reason, in `ignoredDeps`.
 */
export function missingDependencies(packages: DebPackage[]): Map<string, string[]> {
  const provided = new Set<string>();
  for (const pkg of packages) {
    provided.add(pkg.name);
    const provides = controlFields(pkg.control).get('Provides') ?? '';
    for (const item of provides.split(',')) {
      const name = item.trim().split(/[\s(]/)[0];
      if (name) provided.add(name);
    }
  }
  const missing = new Map<string, string[]>();
  for (const pkg of packages) {
    const fields = controlFields(pkg.control);
    const deps = [fields.get('Pre-Depends'), fields.get('Depends')].filter(Boolean).join(',');
    for (const clause of deps.split(',')) {
      if (!clause.trim()) continue;
      const alternatives = clause.split('|').map((a) => a.trim().split(/[\s(]/)[0]!.replace(/:any$/, ''));
      if (alternatives.some((a) => provided.has(a))) continue;
      const key = alternatives.join(' | ');
      missing.set(key, [...(missing.get(key) ?? []), pkg.name]);
    }
  }
  return missing;
}
