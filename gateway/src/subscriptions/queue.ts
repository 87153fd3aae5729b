/**
 * A bounded single-consumer queue read as an async iterator: producers push, the consumer awaits.
 * Past `limit` unread items the queue fails with SUBSCRIPTION_BUFFER_OVERFLOW (the buffered items
 * are dropped) instead of growing: a slow client loses its subscription, never the process memory.
 */
export const SUBSCRIPTION_BUFFER_OVERFLOW = 'SUBSCRIPTION_BUFFER_OVERFLOW';

/** An error whose `extensions` survive graphql-ws's conversion to a GraphQLError. */
export class SubscriptionError extends Error {
  readonly extensions: Record<string, unknown>;
  constructor(message: string, code: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'SubscriptionError';
    this.extensions = { ...extra, code };
  }
}

export const overflowError = (limit: number) => new SubscriptionError(
  `${SUBSCRIPTION_BUFFER_OVERFLOW}: the client fell more than ${limit} events behind and the subscription was closed; subscribe again`,
  SUBSCRIPTION_BUFFER_OVERFLOW,
);

export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiting: { resolve(r: IteratorResult<T>): void; reject(e: Error): void } | null = null;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly limit: number, private readonly onOverflow?: () => void) {}

  get closed(): boolean { return this.ended; }
  get size(): number { return this.items.length - this.head; }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value: item, done: false });
      return;
    }
    if (this.size >= this.limit) {
      this.fail(overflowError(this.limit));
      this.onOverflow?.();
      return;
    }
    this.items.push(item);
  }

  /** Ends after the buffered items are read. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting && this.size === 0) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** Ends now: buffered items are dropped and the next read rejects with `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.ended = true;
    this.items = [];
    this.head = 0;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(error);
    } else {
      this.failure = error;
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head]!;
      this.items[this.head++] = undefined as never;
      if (this.head > 1024 && this.head * 2 > this.items.length) { this.items.splice(0, this.head); this.head = 0; }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) { const f = this.failure; this.failure = null; return Promise.reject(f); }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }
}
