import { EventTypeRepository } from '@herald/persistence';

/** The event type of a test send or request preview that names none. */
export const TEST_EVENT_TYPE = 'webhook.test';
const TEST_PAYLOAD = { message: 'This is a test event from Herald' };

/** The payload a test send or a request preview uses when given none: the event type's catalog example, else Herald's test message. */
export async function samplePayload(eventTypes: EventTypeRepository, eventType: string): Promise<Record<string, unknown>> {
  const type = await eventTypes.findByName(eventType);
  return (type?.example as Record<string, unknown> | null) ?? TEST_PAYLOAD;
}
