// `com.docker.compose.config-hash`: a digest of one service's normalised configuration, so a second `up` recreates
// only the containers whose service changed (Compose hashes the service's JSON the same way).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ServiceConfig } from './model.ts';

export function serviceConfigHash(service: ServiceConfig): string {
  // replicas are not part of a container's configuration: scaling does not recreate
  const { deploy: _deploy, ...rest } = service;
  return bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(rest))));
}
