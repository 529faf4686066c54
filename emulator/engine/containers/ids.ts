// Container and volume IDs as Docker makes them: 64 random hex digits (never a 12-digit all-numeric prefix,
// which would read as a number), 12-character short forms, and lookup by unique prefix.

/** 32 random bytes as hex; retried when the short form is all digits, like moby's stringid. */
export function generateId(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  for (;;) {
    const bytes = random(new Uint8Array(32));
    const id = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (!/^\d{12}/.test(id)) return id;
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export type PrefixMatch = { kind: 'none' } | { kind: 'one'; id: string } | { kind: 'many' };

/** Which of `ids` start with `prefix` (an exact full ID always wins). */
export function matchPrefix(ids: Iterable<string>, prefix: string): PrefixMatch {
  let found: string | undefined;
  for (const id of ids) {
    if (id === prefix) return { kind: 'one', id };
    if (!id.startsWith(prefix)) continue;
    if (found !== undefined) return { kind: 'many' };
    found = id;
  }
  return found === undefined ? { kind: 'none' } : { kind: 'one', id: found };
}
