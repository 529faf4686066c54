// The error a stopped build throws: its message is what follows `ERROR: failed to solve: `.
import { EngineError } from '../errors.ts';

/** A build that stopped: the message is what follows `ERROR: failed to solve: `. */
export class BuildError extends EngineError {}
