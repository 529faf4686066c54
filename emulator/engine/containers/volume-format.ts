// `docker volume ls` fields and default table as the docker CLI's volume formatter has them.
import type { VolumeJSON } from './volume-store.ts';

/** Same shape as the CLI's ListFormat (emulator/engine/cli/output-format.ts). */
export const VOLUME_FORMAT = {
  defaultTable: '{{.Driver}}\t{{.Name}}',
  headers: { Driver: 'DRIVER', Name: 'VOLUME NAME', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', CreatedAt: 'CREATED AT' } as Record<string, string>,
};

export function volumeRow(v: VolumeJSON, links?: number): Record<string, string> {
  return {
    Driver: v.Driver,
    Name: v.Name,
    Scope: v.Scope,
    Mountpoint: v.Mountpoint,
    Labels: Object.entries(v.Labels ?? {}).map(([k, val]) => `${k}=${val}`).join(','),
    Links: links === undefined ? 'N/A' : String(links),
    Size: 'N/A',
    CreatedAt: v.CreatedAt,
  };
}
