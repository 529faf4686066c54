// Docker's human-readable units: go-units HumanSize and HumanDuration (`2.06MB`, `About an hour`), the CLI's Ellipsis.

/** go-units HumanDuration, for `CREATED` columns (`... ago`). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** `2 minutes ago`, from seconds since the epoch. */
export function createdSince(epochSeconds: number, now: Date): string {
  return `${humanDuration(now.getTime() - epochSeconds * 1000)} ago`;
}

/** The CLI's Ellipsis: at most `max` characters, the last one `…` when cut. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= 0) return '';
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** Go's time.Time String() in UTC: `2026-05-07 20:33:32 +0000 UTC` (the `CreatedAt` fields). */
export function goTimeString(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** RFC 3339 as Go prints it in UTC (`2026-05-07T20:33:32Z`), for `history -H=false`. */
export function rfc3339(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** go-units BytesSize (binary units, `docker info`'s Total Memory): `123.4MiB`. */
export function bytesSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(4))}${units[unit]}`;
}

/**
 * Sizes as Docker prints them (go-units HumanSizeWithPrecision): decimal units, `precision` significant
 * digits; `docker images` uses 3 (`2.06MB`), progress bars 4 (`1.067MB`).
 */
export function humanSize(bytes: number, precision = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = Number(value.toPrecision(precision)).toString();
  return `${text}${units[unit]}`;
}
