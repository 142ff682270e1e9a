import { DatabaseError } from '../errors/errors.js';

/** A failed connect, named: whether it may pass (refused, timed out, no free slot), and its words. */
export interface ConnectFailure {
  readonly kind: string;
  readonly transient: boolean;
  readonly message: string;
  readonly hint: string;
}

/** How often to try, and whom to tell (never with a secret). */
export interface RetryOptions {
  readonly retries: number;
  readonly onRetry?: (info: { attempt: number; delayMs: number; kind: string; message: string }) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Connects with `connect`, trying again after a failure that may pass, up to `retries` more times,
 * 0.5 s, 1 s, 2 s … (at most 8 s) apart. A failure that will not pass, or the last one, becomes the
 * DatabaseError, saying how many attempts it took.
 */
export async function connectWithRetries<C>(
  opts: RetryOptions,
  connect: () => Promise<{ readonly connected: C } | { readonly error: ConnectFailure }>,
): Promise<C> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: ConnectFailure | undefined;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) {
      const delayMs = Math.min(500 * 2 ** (attempt - 1), 8000);
      opts.onRetry?.({ attempt, delayMs, kind: last!.kind, message: last!.message });
      await sleep(delayMs);
    }
    const r = await connect();
    if ('connected' in r) return r.connected;
    last = r.error;
    if (!last.transient) break;
  }
  throw new DatabaseError(
    last!.message +
      (last!.transient && opts.retries > 0 ? ` (gave up after ${opts.retries + 1} attempts)` : ''),
    { hint: last!.hint },
  );
}
