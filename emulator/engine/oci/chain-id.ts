// ChainID of a layer stack (image-spec config.md, "Layer ChainID"): names an applied set of layers, so
// a stack shared by two images is unpacked once.
import { type Digest, sha256DigestOfString } from './digest.ts';

/** ChainID(L0) = DiffID(L0); ChainID(L0|...|Ln) = sha256(ChainID(L0|...|Ln-1) + " " + DiffID(Ln)). */
export function chainId(diffIds: readonly Digest[]): Digest {
  const ids = chainIds(diffIds);
  const last = ids[ids.length - 1];
  if (last === undefined) throw new RangeError('chainId of an empty layer list is undefined');
  return last;
}

/** The ChainID of every prefix of the stack: element i names layers 0..i applied in order. */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  let previous: Digest | undefined;
  for (const diffId of diffIds) {
    previous = previous === undefined ? diffId : sha256DigestOfString(`${previous} ${diffId}`);
    out.push(previous);
  }
  return out;
}
