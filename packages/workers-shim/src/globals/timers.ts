import { reportMicrotaskError } from "../process-errors";

type TimerHandler = (...args: unknown[]) => void;

/**
 * workerd's own timers (on ServiceWorkerGlobalScope.prototype): they return numeric ids. The
 * ids are Node timers' primitive ids, so Node's clear functions accept them.
 */
export function createWorkerTimers() {
  return {
    setTimeout: function setTimeout(handler: TimerHandler, delay?: number, ...args: unknown[]): number {
      return Number(globalThis.setTimeout(handler, delay, ...args));
    },
    clearTimeout: function clearTimeout(id?: unknown): void {
      globalThis.clearTimeout(id as number);
    },
    setInterval: function setInterval(handler: TimerHandler, delay?: number, ...args: unknown[]): number {
      return Number(globalThis.setInterval(handler, delay, ...args));
    },
    clearInterval: function clearInterval(id?: unknown): void {
      globalThis.clearInterval(id as number);
    },
    // An error the callback throws is reported here, in the callback's context (see
    // reportMicrotaskError), and does not become an uncaught exception.
    queueMicrotask: function queueMicrotask(callback: () => void): void {
      if (typeof callback !== "function") {
        globalThis.queueMicrotask(callback);
        return;
      }
      globalThis.queueMicrotask(() => {
        try {
          callback();
        } catch (error) {
          reportMicrotaskError(error);
        }
      });
    },
  };
}
