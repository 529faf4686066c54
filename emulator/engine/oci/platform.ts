// The one platform drydock runs (its guest is a 32-bit x86 Linux kernel) and how platforms are printed.
import type { Platform } from './oci-types.ts';

export const GUEST_PLATFORM: Platform = { os: 'linux', architecture: '386' };

/** `linux/386`, `linux/arm64/v8`, as Docker prints platforms. */
export function formatPlatform(p: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}

/** Whether an image for `candidate` runs on `wanted`; i386 is accepted as an alias for 386. */
export function platformMatches(candidate: Platform | undefined, wanted: Platform = GUEST_PLATFORM): boolean {
  if (!candidate) return false;
  const arch = candidate.architecture === 'i386' ? '386' : candidate.architecture;
  return candidate.os === wanted.os && arch === wanted.architecture;
}

export const PLATFORM_HELP =
  'drydock runs a real 32-bit x86 (i386) Linux kernel in the browser, so it can only run linux/386 images';
