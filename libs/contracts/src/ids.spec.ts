import { deliveryIdFor, hasIdShape, IdPrefix, newId } from './ids';

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
    const a = deliveryIdFor(event, 'ep_a');
    expect(deliveryIdFor(event, 'ep_a')).toBe(a);
    expect(deliveryIdFor(event, 'ep_b')).not.toBe(a);
    expect(hasIdShape(IdPrefix.delivery, a)).toBe(true);
    expect(a.slice(4, 14)).toBe(event.slice(4, 14));
  });

  it('keep increasing when the clock steps back', () => {
    const ahead = newId(IdPrefix.app, Date.now() + 60_000);
    const behind = newId(IdPrefix.app, Date.now());
    expect(behind > ahead).toBe(true);
  });
});
