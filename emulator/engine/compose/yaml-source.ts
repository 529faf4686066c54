// A compose file's YAML: the plain tree Compose works on, and the line each value starts on, so that every error
// about the file can say where (the editor marks it, the terminal prints file:line).
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { EngineError } from '../errors.ts';

export interface YamlSource {
  file: string;
  tree: unknown;
  /** 1-based line of the value at a dotted path (`services.web.ports.0`), or of its nearest located parent */
  lineOf(path: readonly (string | number)[]): number;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, merge: true, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = counter.linePos(first.pos[0]).line;
    // Compose prints go-yaml's "yaml: line N: <what>"; ours says the same thing with the yaml library's words
    const what = first.code === 'DUPLICATE_KEY' ? `mapping key "${text.slice(first.pos[0], first.pos[1]).trim()}" already defined` : (first.message.split('\n')[0] as string);
    throw new EngineError('INVALID_ARGUMENT', `yaml: line ${line}: ${what}`, { location: { file, line } });
  }
  const lines = new Map<string, number>();
  const record = (node: Node | null | undefined, path: string) => {
    if (!node) return;
    if (node.range) lines.set(path, counter.linePos(node.range[0]).line);
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = path ? `${path}.${key}` : key;
        if (isScalar(pair.key) && pair.key.range) lines.set(child, counter.linePos(pair.key.range[0]).line);
        if (pair.value && !isAlias(pair.value)) record(pair.value as Node, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => record(item as Node, path ? `${path}.${i}` : String(i)));
    }
  };
  record(doc.contents as Node | null, '');
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', `yaml: ${e instanceof Error ? e.message : String(e)}`, { location: { file, line: 1 } });
  }
  return {
    file,
    tree,
    lineOf(path) {
      for (let n = path.length; n > 0; n--) {
        const line = lines.get(path.slice(0, n).join('.'));
        if (line !== undefined) return line;
      }
      return 1;
    },
  };
}
