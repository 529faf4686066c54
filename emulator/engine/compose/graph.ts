// depends_on as a graph: Compose's cycle error (compose-go graph/cycle.go, names visited in order), and the
// order `up` starts services in (dependencies first) and `down` removes them (dependents first).
import { EngineError } from '../errors.ts';
import type { ComposeProject } from './model.ts';

export function checkCycles(project: ComposeProject): void {
  const deps = (name: string) => Object.keys(project.services[name]?.depends_on ?? {}).sort();
  const search = (path: string[]): void => {
    for (const next of deps(path[path.length - 1] as string)) {
      const i = path.indexOf(next);
      if (i >= 0) throw new EngineError('INVALID_ARGUMENT', `dependency cycle detected: ${path.slice(i).join(' -> ')} -> ${next}`);
      search([...path, next]);
    }
  };
  for (const name of Object.keys(project.services).sort()) search([name]);
}

/** Service names, each after the services it depends on (ties in name order); `only` limits to those and their dependencies. */
export function startOrder(project: ComposeProject, only?: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (name: string) => {
    if (out.includes(name)) return;
    for (const d of Object.keys(project.services[name]?.depends_on ?? {}).sort()) visit(d);
    out.push(name);
  };
  for (const name of only ?? Object.keys(project.services).sort()) visit(name);
  return out;
}
