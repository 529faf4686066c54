// The ports published by running containers, from the engine's `GET /containers/json` (dockerd's `Ports` field).

export interface PublishedPort {
  hostPort: number;
  containerPort: number;
  /** the container's name without the leading slash */
  container: string;
  image: string;
}

interface ContainerSummary {
  Names?: string[];
  Image?: string;
  State?: string;
  Ports?: { IP?: string; PrivatePort?: number; PublicPort?: number; Type?: string }[];
}

/** TCP ports with a host port, once each (dockerd lists a mapping for 0.0.0.0 and for ::), by host port. */
export function publishedPorts(containersJson: string): PublishedPort[] {
  let list: unknown;
  try {
    list = JSON.parse(containersJson);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const byPort = new Map<number, PublishedPort>();
  for (const c of list as ContainerSummary[]) {
    if (c.State !== undefined && c.State !== 'running') continue;
    for (const p of c.Ports ?? []) {
      if (p.Type !== 'tcp' || !p.PublicPort || !p.PrivatePort || byPort.has(p.PublicPort)) continue;
      byPort.set(p.PublicPort, {
        hostPort: p.PublicPort,
        containerPort: p.PrivatePort,
        container: (c.Names?.[0] ?? '').replace(/^\//, ''),
        image: c.Image ?? '',
      });
    }
  }
  return [...byPort.values()].sort((a, b) => a.hostPort - b.hostPort);
}

/** `8080 → web (nginx)` */
export function describePort(port: PublishedPort): string {
  const image = port.image.replace(/:latest$/, '');
  return `${port.hostPort} → ${port.container}${image ? ` (${image})` : ''}`;
}
