import { eventIdFromMessage, deliveryIdFor, hasIdShape, IdPrefix, newId } from './ids';

describe('ids', () => {
  it('are prefixed, 26 characters after the prefix, and sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newId(IdPrefix.event));
    for (const id of ids) expect(hasIdShape(IdPrefix.event, id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sort by time across milliseconds', () => {
    const earlier = newId(IdPrefix.endpoint, Date.now() + 1000);
    const later = newId(IdPrefix.endpoint, Date.now() + 2000);
    expect(later > earlier).toBe(true);
  });

  it('derive delivery ids from event and endpoint, stable and distinct', () => {
    const event = newId(IdPrefix.event);
    const a = deliveryIdFor(event, 'ep_a', '2020-01-01T00:00:00.000Z');
    expect(deliveryIdFor(event, 'ep_a', '2020-01-01T00:00:00.000Z')).toBe(a);
    expect(deliveryIdFor(event, 'ep_b', '2020-01-01T00:00:00.000Z')).not.toBe(a);
    expect(hasIdShape(IdPrefix.delivery, a)).toBe(true);
    expect(a.slice(4, 14)).toBe(event.slice(4, 14));
  });

  it('give events with caller-chosen ids well-formed delivery ids that sort by the event time', () => {
    const earlier = deliveryIdFor('Order-1_x.y:z', 'ep_a', '2026-01-01T00:00:00.000Z');
    const later = deliveryIdFor('order-2', 'ep_a', '2026-01-01T00:00:01.000Z');
    expect(hasIdShape(IdPrefix.delivery, earlier)).toBe(true);
    expect(hasIdShape(IdPrefix.delivery, later)).toBe(true);
    expect(later > earlier).toBe(true);
    expect(deliveryIdFor('order-2', 'ep_a', '2026-01-01T00:00:01.000Z')).toBe(later);
  });

  it('keep increasing when the clock steps back', () => {
    const ahead = newId(IdPrefix.app, Date.now() + 60_000);
    const behind = newId(IdPrefix.app, Date.now());
    expect(behind > ahead).toBe(true);
  });
});

describe('eventIdFromMessage', () => {
  it('gives every redelivery of one stream message the same well-formed event id', () => {
    const id = eventIdFromMessage('HERALD_INGEST', 42, Date.parse('2026-01-02T03:04:05Z'));
    expect(id).toBe(eventIdFromMessage('HERALD_INGEST', 42, Date.parse('2026-01-02T03:04:05Z')));
    expect(id).not.toBe(eventIdFromMessage('HERALD_INGEST', 43, Date.parse('2026-01-02T03:04:05Z')));
    expect(hasIdShape(IdPrefix.event, id)).toBe(true);
  });
});
