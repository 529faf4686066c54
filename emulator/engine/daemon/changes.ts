// `docker diff` and SizeRw (moby's daemon/changes.go, the size in inspect): the container's upper dir read in the
// guest, where it lives until `docker rm` or a reboot.
import type { ContainerRecord } from '../containers/container-store.ts';
import { sizeFromListing, upperListingArgv } from '../containers/container-size.ts';
import { changesScript, dockerChanges, parseChanges, withoutInitPaths, type Change } from '../containers/container-changes.ts';
import { listUpperTree, treeSize, upperEntries } from '../containers/upper-tree.ts';
import { EngineError } from '../errors.ts';
import type { GuestExec } from '../runtime/guest-exec.ts';
import { decoder, type DaemonState } from './daemon-state.ts';

/**
 * `docker diff`: the agent lists the upper dir without a process (the Inspect panel asks every few hundred ms). An
 * agent without that frame is read by a script that forks a stat per entry, so the script is redone only when a
 * one-process listing of the upper dir differs from the one taken before the last reading.
 */
export async function changes(d: DaemonState, ref: string): Promise<Change[]> {
  const record = d.deps.containers.get(ref);
  const guest = d.deps.guest();
  if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so the container\'s changes cannot be read now');
  await d.released(record.id);
  const tree = await listUpperTree(guest, record.overlay.upperDir, record.overlay.lowerDirs);
  if (tree) return dockerChanges(upperEntries(tree));
  const listing = await upperListing(d, record, guest);
  const seen = d.upperSeen.get(record.id);
  if (seen?.changes && seen.listing === listing) return seen.changes;
  const r = await guest.exec(['sh', '-c', changesScript(record.overlay.upperDir, record.overlay.lowerDirs)], { timeoutMs: 120_000 });
  const found = withoutInitPaths(parseChanges(decoder.decode(r.stdout)));
  // Listed before the reading: a write in between makes the next listing differ, so it is read again then.
  d.upperSeen.set(record.id, { listing, changes: found });
  return found;
}

/**
 * SizeRw: the bytes in the container's upper dir (`?size=1` on inspect), from a listing taken now: a remembered one
 * would miss a write made since (an `inspect --size` right after a `docker exec` that wrote).
 */
export async function sizeRw(d: DaemonState, ref: string): Promise<number> {
  const record = d.deps.containers.get(ref);
  const guest = d.deps.guest();
  if (!guest) throw new EngineError('CONFLICT', 'the machine is not running, so the container\'s size cannot be read now');
  await d.released(record.id);
  const tree = await listUpperTree(guest, record.overlay.upperDir);
  if (tree) return treeSize(tree);
  return sizeFromListing(await upperListing(d, record, guest));
}

/** One `ls` of the upper dir (empty when it is gone); remembered for sizeRw, keeping the diff read at the same listing. */
async function upperListing(d: DaemonState, record: ContainerRecord, guest: GuestExec): Promise<string> {
  const r = await guest.exec(upperListingArgv(record.overlay.upperDir), { timeoutMs: 30_000 });
  const listing = r.exitCode === 0 ? decoder.decode(r.stdout) : '';
  const seen = d.upperSeen.get(record.id);
  if (d.deps.containers.find(record.id)) d.upperSeen.set(record.id, { listing, ...(seen?.listing === listing && seen.changes ? { changes: seen.changes } : {}) });
  else d.upperSeen.delete(record.id);
  return listing;
}
