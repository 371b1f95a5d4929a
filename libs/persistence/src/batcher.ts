/**
 * Coalesces single calls into batched ones: items added within `maxWaitMs` (or until
 * `maxSize`) are handed to `flush` together, and each caller gets its own item's result.
 * One flush runs at a time. When a flush of several items fails, each is flushed again on its
 * own, so one item that can never succeed fails alone instead of taking its batch with it.
 */
export class Batcher<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxSize = 200,
    private readonly maxWaitMs = 5,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxSize) this.schedule(0);
      else this.schedule(this.maxWaitMs);
    });
  }

  private schedule(delay: number): void {
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.run());
    }, delay);
  }

  private async run(): Promise<void> {
    const batch = this.queue.splice(0, this.maxSize);
    if (batch.length === 0) return;
    if (this.queue.length > 0) this.schedule(0);
    try {
      const results = await this.flush(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      for (const entry of batch) {
        await this.flush([entry.item]).then(
          ([result]) => entry.resolve(result),
          (itemError: unknown) => entry.reject(itemError),
        );
      }
    }
  }
}
