/**
 * A one-shot abort flag with the part of AbortSignal that undici and the Lambda pool use:
 * `aborted`, `reason`, `addEventListener('abort')` / `removeEventListener`. Node 20's
 * AbortController builds an EventTarget, about 5 µs of a proxied request's main-thread time in
 * the profile (docs/performance.md); this is an EventEmitter, which undici also accepts as a
 * signal. One per integration call: `abort()` it, pass `signal` (itself).
 */
import { EventEmitter } from 'node:events';

/** What an abortable call reads of its signal: an AbortSignal or an {@link Abort}. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class Abort extends EventEmitter implements AbortLike {
  aborted = false;
  reason: unknown = undefined;

  /** Aborts once; listeners run synchronously, as AbortSignal's do. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    this.emit('abort');
  }

  /** This object: the same call shape as `AbortController.signal`. */
  get signal(): this {
    return this;
  }

  /** Listeners run at most once (the signal aborts once). */
  addEventListener(type: 'abort', listener: () => void): void {
    this.once(type, listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    this.removeListener(type, listener);
  }
}
