import type { AttemptRecord, RecordedAttempt } from '@herald/persistence';

/** How a delivery's row and its attempt get written, as the delivery worker sees it. */
export interface RowWrite {
  /** Reports the attempt: a success may be written with the row; null when there is none to (a failure, parked, batched). */
  settle(attempt: AttemptRecord | null): void;
  /** Resolves once the delivery's row exists: true if the settled attempt was written with it. */
  readonly stored: Promise<boolean>;
}

/** A delivery whose row exists already (everything but a first attempt handed over by the fan-out). */
export const ROW_EXISTS: RowWrite = { settle: () => undefined, stored: Promise.resolve(false) };

/** What writing a first success with its row did to the delivery (recordAttempts answers the same for the others). */
export const FIRST_SUCCESS: RecordedAttempt = { attempt: 1, status: 'succeeded', nextAttemptAt: null, endpointFailingSince: null };

/**
 * A first attempt handed from the fan-out to the delivery worker before its row is written:
 * the request goes out at once; if it succeeds before the fan-out writes the row, the row is
 * written succeeded with its attempt in the same statement (one INSERT instead of an INSERT, an
 * UPDATE and another INSERT); otherwise the row is written pending and leased, and the attempt
 * recorded against it afterwards.
 */
export class FirstAttempt implements RowWrite {
  /** undefined until settled. */
  private attempt: AttemptRecord | null | undefined;
  private onSettled?: () => void;
  private resolveStored!: (withAttempt: boolean) => void;
  private rejectStored!: (error: unknown) => void;
  readonly stored = new Promise<boolean>((resolve, reject) => {
    this.resolveStored = resolve;
    this.rejectStored = reject;
  });

  /** `answered`: called once, when the attempt settles (the fan-out counts the attempts in hand). */
  constructor(private readonly answered?: () => void) {
    // A worker that failed before waiting for its row must not leave a rejection unhandled.
    this.stored.catch(() => undefined);
  }

  settle(attempt: AttemptRecord | null): void {
    if (this.attempt !== undefined) return;
    this.attempt = attempt;
    this.answered?.();
    this.onSettled?.();
  }

  /** The settled success to write with the row, if there is one now. */
  get success(): AttemptRecord | null {
    return this.attempt ?? null;
  }

  /** The row is written (`withAttempt`: the attempt went in with it), or failed to be. */
  written(withAttempt: boolean): void {
    this.resolveStored(withAttempt);
  }

  failed(error: unknown): void {
    this.rejectStored(error);
  }

  /** Resolves when every one of `attempts` has settled, or after `ms`, whichever comes first. */
  static async settledWithin(attempts: FirstAttempt[], ms: number): Promise<void> {
    let waiting = attempts.filter((a) => a.attempt === undefined).length;
    if (waiting === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      for (const attempt of attempts) {
        if (attempt.attempt !== undefined) continue;
        attempt.onSettled = () => {
          waiting -= 1;
          if (waiting === 0) resolve();
        };
      }
    });
    clearTimeout(timer);
  }
}
