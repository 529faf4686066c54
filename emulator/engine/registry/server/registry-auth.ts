// Local accounts for the in-browser registry: HTTP Basic credentials, passwords kept as salted PBKDF2-SHA256.
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { AccountRecord } from './registry-db.ts';

export interface BasicCredentials {
  username: string;
  password: string;
}

// Enough to make a stolen JSON document not worth much, cheap enough for noble's pure-JS hash per login.
const ITERATIONS = 20_000;

/** `Authorization: Basic base64(user:pass)` (RFC 7617), or undefined when absent or another scheme. */
export function parseBasicAuth(header: string | null): BasicCredentials | undefined {
  const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  let text: string;
  try {
    const binary = atob(m[1]);
    text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Docker Hub's rule, shortened: lowercase letters, digits, `.`, `_`, `-`; it becomes a repository owner. */
export function isValidUsername(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(name);
}

export function newAccount(credentials: BasicCredentials, now: Date): AccountRecord {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return {
    username: credentials.username,
    salt: bytesToHex(salt),
    hash: bytesToHex(pbkdf2(sha256, credentials.password, salt, { c: ITERATIONS, dkLen: 32 })),
    iterations: ITERATIONS,
    created: now.toISOString(),
  };
}

/** Checks passwords, remembering good ones (as a hash) so a push of many blobs costs one PBKDF2. */
export class PasswordChecker {
  readonly #verified = new Set<string>();

  check(account: AccountRecord, password: string): boolean {
    const key = `${account.username}\0${account.salt}\0${bytesToHex(sha256(new TextEncoder().encode(password)))}`;
    if (this.#verified.has(key)) return true;
    const salt = hexToBytes(account.salt);
    const hash = bytesToHex(pbkdf2(sha256, password, salt, { c: account.iterations, dkLen: 32 }));
    if (!constantTimeEqual(hash, account.hash)) return false;
    this.#verified.add(key);
    return true;
  }
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
