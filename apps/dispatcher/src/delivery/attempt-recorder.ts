import { Injectable } from '@nestjs/common';
import { AttemptRecord, Batcher, DeliveryRepository, RecordedAttempt } from '@herald/persistence';

/** Records attempts in batched statements (every few ms), resolving once committed. */
@Injectable()
export class AttemptRecorder {
  private readonly batcher: Batcher<AttemptRecord, RecordedAttempt>;

  constructor(deliveries: DeliveryRepository) {
    this.batcher = new Batcher(
      async (records) => {
        const recorded = await deliveries.recordAttempts(records);
        return records.map((record) => {
          const result = recorded.get(record.deliveryId);
          if (!result) throw new Error(`delivery ${record.deliveryId} does not exist`);
          return result;
        });
      },
      250,
      5,
    );
  }

  record(attempt: AttemptRecord): Promise<RecordedAttempt> {
    return this.batcher.add(attempt);
  }
}
