// User resolution for `-u` and the image's USER, as runc's GetExecUser does it for Docker: /etc/passwd and
// /etc/group from the image's root filesystem, numeric ids allowed without entries, supplementary groups.

export interface ExecUser {
  uid: number;
  gid: number;
  /** groups that list the user by name (only when no group was given explicitly) */
  additionalGids: number[];
  home: string;
  name?: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2] as string) && /^\d+$/.test(f[3] as string))
    .map((f) => ({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' }));
}

function parseGroup(text: string): GroupEntry[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2] as string))
    .map((f) => ({ name: f[0] as string, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const isNumeric = (s: string) => /^\d+$/.test(s);

/**
 * Resolves `user[:group]` (names or numbers) against the image's passwd/group text (undefined when the
 * file is missing). Empty spec = root. Throws runc's messages (`unable to find user x: no matching entries in passwd file`).
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): ExecUser {
  const colon = spec.indexOf(':');
  const userArg = colon >= 0 ? spec.slice(0, colon) : spec;
  const groupArg = colon >= 0 ? spec.slice(colon + 1) : '';
  const result: ExecUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };

  const users = parsePasswd(passwd ?? '');
  if (userArg !== '') {
    const match = users.find((u) => (isNumeric(userArg) ? u.uid === Number(userArg) : u.name === userArg));
    if (match) {
      result.uid = match.uid;
      result.gid = match.gid;
      result.home = match.home || '/';
      result.name = match.name;
    } else if (isNumeric(userArg)) {
      result.uid = Number(userArg);
    } else if (passwd === undefined) {
      throw new Error(`unable to find user ${userArg}: no matching entries in passwd file`);
    } else throw new Error(`unable to find user ${userArg}: no matching entries in passwd file`);
  } else {
    // Docker's default exec user is root; its passwd entry (if any) still gives home and name for groups.
    const root = users.find((u) => u.uid === 0);
    if (root) {
      result.gid = root.gid;
      result.home = root.home || '/';
      result.name = root.name;
    }
  }

  if (groupArg !== '' || result.name !== undefined) {
    const groups = parseGroup(group ?? '');
    if (groupArg !== '') {
      const match = groups.find((g) => (isNumeric(groupArg) ? g.gid === Number(groupArg) : g.name === groupArg));
      if (match) result.gid = match.gid;
      else if (isNumeric(groupArg)) result.gid = Number(groupArg);
      else throw new Error(`unable to find group ${groupArg}: no matching entries in group file`);
    } else {
      result.additionalGids = groups.filter((g) => g.members.includes(result.name as string)).map((g) => g.gid);
    }
  }
  return result;
}

/**
 * `--group-add` as runc's GetAdditionalGroups resolves it: a group name or gid from the image's /etc/group, or any
 * number; each gid once, in the order given. Throws `Unable to find group x: no matching entries in group file`.
 */
export function resolveAdditionalGroups(names: readonly string[], group: string | undefined): number[] {
  const groups = parseGroup(group ?? '');
  const out: number[] = [];
  for (const name of names) {
    const match = groups.find((g) => g.name === name || String(g.gid) === name);
    const gid = match ? match.gid : isNumeric(name) ? Number(name) : undefined;
    if (gid === undefined) throw new Error(`Unable to find group ${name}: no matching entries in group file`);
    if (gid > 2 ** 31 - 1) throw new Error(`Invalid group id: ${name}`);
    if (!out.includes(gid)) out.push(gid);
  }
  return out;
}
