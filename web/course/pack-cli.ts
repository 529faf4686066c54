// `npm run pack -- DIR [--out FILE]`: checks a lesson pack, writes DIR/pack.json and bundles DIR as FILE (DIR.tar.gz).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatProblem } from './course-validate.ts';
import { bundlePack } from './pack-node.ts';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
const dir = args.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1))[0];
if (!dir) {
  console.error('usage: npm run pack -- DIR [--out FILE.tar.gz]');
  process.exit(2);
}
const { pack, manifest, archive } = await bundlePack(dir);
for (const p of pack.problems) console.error(formatProblem(p));
const steps = pack.course.lessons.reduce((n, l) => n + l.steps.length, 0);
if (pack.problems.length > 0) {
  console.log(`${dir}: ${pack.problems.length} problem(s); nothing written`);
  process.exit(1);
}
writeFileSync(resolve(dir, 'pack.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const file = out ?? `${resolve(dir)}.tar.gz`;
writeFileSync(file, archive);
console.log(`${pack.title}: ${pack.course.lessons.length} lessons, ${steps} steps, images ${pack.images.join(', ') || 'none'}: ok`);
console.log(`wrote ${resolve(dir, 'pack.json')} (${manifest.files.length} files) and ${file} (${archive.length} bytes)`);
console.log('Host the folder or the archive on any static host that allows CORS; open it with #/pack=<its URL>.');
