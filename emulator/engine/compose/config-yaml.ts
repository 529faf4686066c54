// `docker compose config`: the normalised model as Compose v2 prints it (go-yaml v3, two-space indent, `name:`
// first, then services, networks, volumes; keys in compose-go's struct order, maps sorted).
import { stringify } from 'yaml';
import type { ComposeProject } from './model.ts';

export function configYaml(project: ComposeProject): string {
  const doc: Record<string, unknown> = { name: project.name, services: project.services };
  if (Object.keys(project.networks).length > 0) doc.networks = project.networks;
  if (Object.keys(project.volumes).length > 0) doc.volumes = project.volumes;
  return stringify(doc, { indent: 2, lineWidth: 0, nullStr: 'null', defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}
