// Browser entry for opfs-backend.test.ts: runs the content store on the OPFS backend inside Chromium.
import { ContentStore } from '../../../emulator/engine/store/content-store.ts';
import { sha256Digest } from '../../../emulator/engine/oci/digest.ts';
import { OpfsBlobBackend } from '../../../emulator/engine/store/store-backend-opfs.ts';

async function run(): Promise<Record<string, unknown>> {
  const backend = await OpfsBlobBackend.open(`test-${Date.now()}`);
  const store = new ContentStore(backend);
  await store.init();
  const data = new TextEncoder().encode('layer bytes '.repeat(5000));
  const digest = sha256Digest(data);
  const out: Record<string, unknown> = {};
  out.put = await store.putBlob(data, { digest, size: data.length });
  out.roundTrip = (await store.readBlob(digest)).length === data.length;
  const wrong = sha256Digest(new Uint8Array([1]));
  out.mismatch = await store.putBlob(data, { digest: wrong }).then(
    () => 'stored',
    (e: { code?: string }) => e.code,
  );
  const other = new TextEncoder().encode('other layer '.repeat(5000));
  out.truncated = await store.putBlob(other.subarray(0, 100), { digest: sha256Digest(other), size: other.length }).then(
    () => 'stored',
    (e: { code?: string }) => e.code,
  );
  out.list = await backend.list('');
  out.hasWrong = await store.hasBlob(wrong);
  out.hasTruncated = await store.hasBlob(sha256Digest(other));
  await store.deleteBlob(digest);
  out.afterDelete = await store.hasBlob(digest);
  // a delete that comes while the same path is being written waits for the write (OPFS refuses it otherwise)
  let release!: () => void;
  const slow = new ReadableStream<Uint8Array>({
    start: (c) => c.enqueue(new TextEncoder().encode('{"v":1}')),
    pull: (c) => new Promise<void>((done) => (release = done)).then(() => c.close()),
  });
  const writing = backend.put('doc.json', slow);
  const deleting = backend.delete('doc.json');
  await new Promise((r) => setTimeout(r, 50));
  release();
  out.writeThenDelete = await Promise.all([writing, deleting]).then(
    () => 'ok',
    (e: Error) => `${e.name}: ${e.message}`,
  );
  out.afterWriteThenDelete = await backend.has('doc.json');
  return out;
}

(globalThis as unknown as { runOpfs: typeof run }).runOpfs = run;
