// Comlink transfer handler that carries EngineError (code, location, details) across the worker boundary.
// Both sides import this module: the worker (emulator/vm/worker.ts) and the one module in web/ that calls wrap().
import { transferHandlers, type TransferHandler } from 'comlink';
import { EngineError, type EngineErrorJSON } from '../engine/errors.ts';

interface SerializedEngineError {
  engineError: EngineErrorJSON;
}

let registered = false;

/** Replace Comlink's "throw" handler with one that keeps EngineError's fields; idempotent. */
export function registerErrorTransfer(): void {
  if (registered) return;
  registered = true;
  // Comlink's own handler turns any Error into { message, name, stack } and drops everything else.
  const fallback = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
  const handler: TransferHandler<{ value: unknown }, unknown> = {
    canHandle: (value): value is { value: unknown } => fallback.canHandle(value),
    serialize(thrown) {
      if (thrown.value instanceof EngineError) {
        const serialized: SerializedEngineError = { engineError: thrown.value.toJSON() };
        return [serialized, []];
      }
      return fallback.serialize(thrown);
    },
    deserialize(serialized) {
      if (serialized && typeof serialized === 'object' && 'engineError' in serialized) {
        throw EngineError.fromJSON((serialized as SerializedEngineError).engineError);
      }
      return fallback.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler);
}

registerErrorTransfer();
