/**
 * A counting semaphore: holders take `weight` units (1 by default) of `limit`; waiters are
 * served first come, first served, so a heavy one is not overtaken forever by light ones. A
 * weight above the limit is taken as the whole limit.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: { weight: number; grant: () => void }[] = [];

  constructor(private readonly limit: number) {}

  async acquire(weight = 1): Promise<void> {
    const units = Math.min(weight, this.limit);
    if (this.waiting.length === 0 && this.active + units <= this.limit) {
      this.active += units;
      return;
    }
    await new Promise<void>((grant) => this.waiting.push({ weight: units, grant }));
  }

  /** Gives back what one acquire(weight) took. */
  release(weight = 1): void {
    this.active -= Math.min(weight, this.limit);
    while (this.waiting.length > 0 && this.active + this.waiting[0].weight <= this.limit) {
      const next = this.waiting.shift() as { weight: number; grant: () => void };
      this.active += next.weight;
      next.grant();
    }
  }

  /** Resolves once nothing holds the semaphore. */
  async idle(): Promise<void> {
    while (this.active > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
