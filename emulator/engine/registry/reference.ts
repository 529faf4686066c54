// Image references by Docker's grammar and normalisation rules (distribution/reference): parse, normalise
// `busybox` to `docker.io/library/busybox:latest`, and print the short "familiar" form Docker shows.
import { type Digest, isDigest } from '../oci/digest.ts';
import { EngineError } from '../errors.ts';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

/** A normalised reference: `domain/path[:tag][@digest]`. */
export interface Reference {
  /** registry host[:port], e.g. `docker.io`, `localhost:5000` */
  readonly domain: string;
  /** repository path on that registry, e.g. `library/busybox` */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

// The grammar, as in distribution/reference's regexp.go.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const referenceRe = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRe = new RegExp(`^${tagPattern}$`);
const anchoredPathComponentRe = new RegExp(`^${pathComponent}$`);
const anchoredDomainRe = new RegExp(`^${domainAndPort}$`);
const anchoredIdentifierRe = /^[a-f0-9]{64}$/;

function invalid(input: string, why: string): EngineError {
  return new EngineError('REFERENCE_INVALID', `invalid reference format: ${why}`, { details: { reference: input } });
}

/**
 * distribution/reference's ErrReferenceInvalidFormat: Docker says no more than "invalid reference format" for a
 * string its grammar does not match; what is wrong (`hint`) goes in the details, for a UI to show beside it.
 */
function invalidFormat(input: string, hint: string): EngineError {
  return new EngineError('REFERENCE_INVALID', 'invalid reference format', { details: { reference: input, hint } });
}

/**
 * Docker's ParseNormalizedNamed: accepts the familiar forms and returns the full reference, without
 * adding a default tag (use {@link parseDockerRef} for what `docker pull` does).
 */
export function parseNormalizedNamed(input: string): Reference {
  if (anchoredIdentifierRe.test(input)) {
    throw new EngineError(
      'REFERENCE_INVALID',
      `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`,
      { details: { reference: input } },
    );
  }
  const [domain, remainder] = splitDockerDomain(input);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep >= 0 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw invalid(input, `repository name (${remote}) must be lowercase`);
  }
  return parseFull(`${domain}/${remainder}`, input);
}

/**
 * What `docker pull`/`docker run` do with a reference: normalise, add `:latest` when there is neither a
 * tag nor a digest, and drop the tag when both are given (the digest wins, as in ParseDockerRef).
 */
export function parseDockerRef(input: string): Reference {
  const ref = parseNormalizedNamed(input);
  if (ref.digest) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  if (ref.tag === undefined) return { ...ref, tag: DEFAULT_TAG };
  return ref;
}

/** Strict parse of a full reference string (Docker's Parse): no normalisation. */
export function parseReference(input: string): Reference {
  return parseFull(input, input);
}

function parseFull(s: string, original: string): Reference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === '' || original === '') {
      throw new EngineError('REFERENCE_INVALID', 'invalid reference format: repository name must have at least one component', {
        details: { reference: original },
      });
    }
    // Parse: a string that would match in lowercase is ErrNameContainsUppercase
    if (referenceRe.test(s.toLowerCase())) throw invalid(original, 'repository name must be lowercase');
    throw invalidFormat(original, diagnose(original));
  }
  const name = m[1] ?? '';
  const tag = m[2];
  const digest = m[3];
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(original, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const nm = anchoredNameRe.exec(name);
  const ref: { domain: string; path: string; tag?: string; digest?: Digest } = {
    domain: nm?.[1] ?? '',
    path: nm?.[2] ?? name,
  };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) {
    // go-digest's Parse/Validate, in its words (drydock stores sha256 digests only)
    if (!isDigest(digest)) {
      const [algorithm = '', encoded = ''] = digest.split(':');
      const sizes: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
      const why = sizes[algorithm] === undefined ? 'unsupported digest algorithm' : encoded.length !== sizes[algorithm] ? 'invalid checksum digest length' : algorithm === 'sha256' ? 'invalid checksum digest format' : 'unsupported digest algorithm';
      throw new EngineError('REFERENCE_INVALID', why, { details: { reference: original } });
    }
    ref.digest = digest;
  }
  return ref;
}

/** splitDockerDomain from normalize.go: which part of a name is a registry host. */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remote] = [maybeDomain, maybeRemote];
  // Namespaces are lowercase, so a first component with capitals can only be a host name.
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, maybeRemote];
  else [domain, remote] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}

/** Finds the first part of a reference that breaks the grammar, to say what is wrong. */
function diagnose(input: string): string {
  if (/\s/.test(input)) return `"${input}" contains white space`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return `"${input}" is a URL; write the image as [registry[:port]/]name[:tag], without a scheme`;
  let rest = input;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!new RegExp(`^${digestPattern}$`).test(digest)) {
      return `digest "${digest}" is not valid: expected sha256: followed by 64 hex digits`;
    }
  }
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    const tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!anchoredTagRe.test(tag)) {
      return tag === ''
        ? `"${input}" has an empty tag after ":"`
        : `tag "${tag}" is not valid: a tag is 1 to 128 letters, digits, "_", "." or "-", and may not start with "." or "-"`;
    }
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first);
  if (hasDomain && !anchoredDomainRe.test(first)) {
    return `registry "${first}" is not a valid host[:port]`;
  }
  for (const part of hasDomain ? parts.slice(1) : parts) {
    if (part === '') return `"${input}" has an empty path component (check the slashes)`;
    if (part.toLowerCase() !== part) return `repository name (${rest}) must be lowercase`;
    if (!anchoredPathComponentRe.test(part)) {
      return `repository name component "${part}" is not valid: use lowercase letters and digits, separated by single ".", "_", "__" or dashes, not at the start or end`;
    }
  }
  return `"${input}" is not a valid image reference`;
}

/** `domain/path`, Docker's Name(). */
export function referenceName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full string, `domain/path[:tag][@digest]`. */
export function referenceString(ref: Reference): string {
  return `${referenceName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The name as Docker prints it: `docker.io/library/busybox` -> `busybox`, `docker.io/me/app` -> `me/app`. */
export function familiarName(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const remainder = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!remainder.includes('/')) return remainder;
  }
  return ref.path;
}

/** The whole reference as Docker prints it, e.g. `busybox:latest`, `me/app@sha256:...`. */
export function familiarString(ref: Reference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function withTag(ref: Reference, tag: string): Reference {
  if (!anchoredTagRe.test(tag)) {
    // distribution/reference's ErrTagInvalidFormat
    throw new EngineError('REFERENCE_INVALID', 'invalid tag format', { details: { reference: tag, hint: `tag "${tag}" is not valid: a tag is 1 to 128 letters, digits, "_", "." or "-", and may not start with "." or "-"` } });
  }
  return { domain: ref.domain, path: ref.path, tag };
}

export function withDigest(ref: Reference, digest: Digest): Reference {
  return { domain: ref.domain, path: ref.path, digest };
}

/** True for a 64-hex image ID (which Docker refuses as a repository name). */
export function isFullImageId(s: string): boolean {
  return anchoredIdentifierRe.test(s);
}
