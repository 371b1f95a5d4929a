import 'reflect-metadata';
import { validateGuardedDto, ValidationProblem } from '@herald/platform';
import { plainPublishEvent, PublishEventDto } from './publish-event.dto';

/** What the class-validator path makes of a body: the DTO's fields, or the problem. */
function slow(body: Record<string, unknown>): { ok: true; value: object } | { ok: false } {
  try {
    return { ok: true, value: { ...validateGuardedDto(PublishEventDto, body) } };
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationProblem);
    return { ok: false };
  }
}

const valid: Record<string, unknown>[] = [
  { eventType: 'user.created', payload: { name: 'Ada' } },
  { eventType: 'a', payload: {} },
  { eventType: 'order_paid.v2-beta', payload: { nested: { list: [1, 2] } }, id: 'ord:42.a_b-c' },
  { eventType: 'x.y', payload: { n: 1 }, channels: [], occurredAt: '2026-01-02T03:04:05Z' },
  { eventType: 'x.y', payload: { n: 1 }, channels: ['eu', 'tenant:7'], occurredAt: '2026-01-02T03:04:05.123+02:00' },
  { eventType: 'e'.repeat(128), payload: {}, id: 'i'.repeat(128), channels: Array.from({ length: 10 }, (_, i) => `c${i}`) },
];

const invalid: Record<string, unknown>[] = [
  {},
  { payload: {} },
  { eventType: 'user.created' },
  { eventType: 'user..created', payload: {} },
  { eventType: '.user', payload: {} },
  { eventType: 'user created', payload: {} },
  { eventType: 'e'.repeat(129), payload: {} },
  { eventType: 7, payload: {} },
  { eventType: 'a.b', payload: [] },
  { eventType: 'a.b', payload: null },
  { eventType: 'a.b', payload: 'text' },
  { eventType: 'a.b', payload: {}, id: null },
  { eventType: 'a.b', payload: {}, id: '' },
  { eventType: 'a.b', payload: {}, id: 'has space' },
  { eventType: 'a.b', payload: {}, id: 'i'.repeat(129) },
  { eventType: 'a.b', payload: {}, id: 12 },
  { eventType: 'a.b', payload: {}, channels: 'eu' },
  { eventType: 'a.b', payload: {}, channels: null },
  { eventType: 'a.b', payload: {}, channels: ['ok', 'not ok'] },
  { eventType: 'a.b', payload: {}, channels: [1] },
  { eventType: 'a.b', payload: {}, channels: Array.from({ length: 11 }, (_, i) => `c${i}`) },
  { eventType: 'a.b', payload: {}, occurredAt: 'yesterday' },
  { eventType: 'a.b', payload: {}, occurredAt: '2026-W01' },
  { eventType: 'a.b', payload: {}, occurredAt: null },
  { eventType: 'a.b', payload: {}, occurredAt: 1767322800 },
  { eventType: 'a.b', payload: {}, extra: true },
];

describe('plainPublishEvent (the fast path of single-event ingest)', () => {
  it.each(valid.map((body) => [JSON.stringify(body).slice(0, 80), body]))('takes %s as class-validator does', (_name, body) => {
    const fast = plainPublishEvent(body);
    expect(fast).toBeInstanceOf(PublishEventDto);
    expect(slow(body)).toEqual({ ok: true, value: { ...fast } });
  });

  it.each(invalid.map((body) => [JSON.stringify(body).slice(0, 80), body]))(
    'leaves %s to class-validator, which refuses it',
    (_name, body) => {
      expect(plainPublishEvent(body)).toBeNull();
      expect(slow(body)).toEqual({ ok: false });
    },
  );

  it('never takes a body with an unknown key, __proto__ included (the input guard refuses that one before either)', () => {
    expect(
      plainPublishEvent(JSON.parse('{"eventType": "a.b", "payload": {}, "__proto__": {"x": 1}}') as Record<string, unknown>),
    ).toBeNull();
  });
});
