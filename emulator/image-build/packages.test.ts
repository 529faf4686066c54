// Dependency checking and dpkg status stanzas from control files.

import { describe, expect, it } from 'vitest';
import { missingDependencies, statusStanza, type DebPackage } from './packages.ts';

const pkg = (name: string, control: string): DebPackage => ({ name, version: '1', file: `${name}.deb`, control: `Package: ${name}\n${control}` });

describe('missingDependencies', () => {
  it('accepts alternatives, Provides and :any, and reports the rest with who wants them', () => {
    const packages = [
      pkg('a', 'Version: 1\nPre-Depends: libc6 (>= 2.34)\nDepends: media-types | mime-support, b:any, c (= 1), gone'),
      pkg('b', 'Version: 1\nProvides: mime-support'),
      pkg('libc6', 'Version: 2.36'),
    ];
    expect([...missingDependencies(packages)]).toEqual([
      ['c', ['a']],
      ['gone', ['a']],
    ]);
  });
});

describe('statusStanza', () => {
  it('marks the package installed right after its name, as dpkg writes it', () => {
    expect(statusStanza(pkg('bash', 'Version: 5.2\nDescription: GNU shell\n multi-line'))).toBe(
      'Package: bash\nStatus: install ok installed\nVersion: 5.2\nDescription: GNU shell\n multi-line\n',
    );
  });
});
