import { humanSize } from '../units/human.ts';
// Progress messages of a pull, shaped like the Docker Engine API's JSON message stream (`POST /images/create`),
// so the CLI prints them as Docker does: `a1b2c3d4e5f6: Pull complete`, `Digest: sha256:...`.

export interface ProgressMessage {
  /** e.g. `Pulling fs layer`, `Downloading`, `Verifying Checksum`, `Download complete`, `Extracting`,
   *  `Pull complete`, `Already exists`, or a line without id such as `Digest: sha256:...` */
  status: string;
  /** the layer's short ID (12 hex digits of its blob digest), or the tag for `latest: Pulling from ...` */
  id?: string;
  progressDetail?: { current: number; total: number };
}

export type ProgressListener = (message: ProgressMessage) => void;

/** Docker's progress bar text (`[=====>      ]  1.2MB/3.4MB`), for CLIs that want it. */
export function progressBar(current: number, total: number, width = 50): string {
  if (total <= 0) return humanSize(current);
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
  return `[${bar}] ${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}`;
}

/**
 * What the docker CLI's JSONProgress.String() prints for a progress detail: `[====>    ]  1.2MB/3.4MB`
 * (a bar of 50 `=` steps then `>`; the bar only when the terminal is wider than 110 columns), empty when
 * there is nothing to show.
 */
export function jsonProgressText(current: number, total: number, withBar = true): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current, 4).padStart(8);
  const numbers = current <= total ? `${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}` : '';
  if (!withBar) return numbers;
  const percentage = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  return `[${'='.repeat(percentage)}>${' '.repeat(50 - percentage)}] ${numbers}`;
}
