import type { TailEvent } from "./events";

/**
 * Receives the events of one invocation, in sequence order; closed after the `outcome`.
 * @remarks `deliver` must not throw: a broken consumer must never disturb the traced code.
 * @public
 */
export interface TailSink {
  /** Takes one event. */
  deliver(event: TailEvent): void;
  /** Called once, after the invocation's `outcome` was delivered. */
  close(): void;
}
