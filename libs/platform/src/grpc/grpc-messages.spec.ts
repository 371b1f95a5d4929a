import { status } from '@grpc/grpc-js';
import { ValidationProblem } from '../problem';
import { toServiceError } from './grpc-errors';
import { fromStruct, patchBody, toWire } from './grpc-messages';

describe('gRPC message helpers', () => {
  it('reads a google.protobuf.Struct as the JSON object it holds', () => {
    const struct = {
      fields: {
        n: { numberValue: 1.5 },
        s: { stringValue: '' },
        b: { boolValue: false },
        z: { nullValue: 'NULL_VALUE' },
        list: { listValue: { values: [{ numberValue: 0 }, { structValue: { fields: {} } }] } },
        empty: { listValue: {} },
        nested: { structValue: { fields: { a: { stringValue: 'x' } } } },
      },
    };
    expect(fromStruct(struct)).toEqual({ n: 1.5, s: '', b: false, z: null, list: [0, {}], empty: [], nested: { a: 'x' } });
    expect(fromStruct({})).toEqual({});
    expect(fromStruct(undefined)).toBeUndefined();
  });

  it('writes Dates as ISO strings, anywhere in a response', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(toWire({ at, list: [{ at }], none: null })).toEqual({ at: at.toISOString(), list: [{ at: at.toISOString() }], none: null });
  });

  it('builds a PATCH body from the set fields, or from exactly the fields an update mask lists', () => {
    const cleared = { batch: null, metadata: {} };
    expect(patchBody({ name: 'x' }, undefined, cleared)).toEqual({ name: 'x' });
    expect(patchBody({ name: 'x' }, { paths: [] }, cleared)).toEqual({ name: 'x' });
    expect(patchBody({ name: 'x', rateLimit: 3 }, { paths: ['batch', 'rate_limit', 'metadata'] }, cleared)).toEqual({
      batch: null,
      rateLimit: 3,
      metadata: {},
    });
    expect(() => patchBody({}, { paths: ['name'] }, cleared)).toThrow(ValidationProblem);
    expect(() => patchBody({}, { paths: ['colour'] }, cleared)).toThrow(/"colour" is listed but not set/);
  });

  it('maps a problem to its gRPC status, keeping the problem as ASCII JSON metadata', () => {
    const problem = {
      type: 'urn:herald:problem:validation',
      title: 'Bad Request',
      status: 400,
      detail: 'name: é',
      errors: [{ field: 'name', message: 'é' }],
    };
    const error = toServiceError(problem, { 'Retry-After': '3' });
    expect(error).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'name: é' });
    const [json] = error.metadata!.get('herald-problem') as string[];
    expect(json).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(json)).toEqual(problem);
    expect(error.metadata!.get('retry-after')).toEqual(['3']);
    const codes = [400, 401, 403, 404, 409, 413, 422, 429, 503, 500, 418].map((s) => toServiceError({ ...problem, status: s }).code);
    expect(codes).toEqual([
      status.INVALID_ARGUMENT,
      status.UNAUTHENTICATED,
      status.PERMISSION_DENIED,
      status.NOT_FOUND,
      status.ALREADY_EXISTS,
      status.INVALID_ARGUMENT,
      status.INVALID_ARGUMENT,
      status.RESOURCE_EXHAUSTED,
      status.UNAVAILABLE,
      status.INTERNAL,
      status.INTERNAL,
    ]);
  });
});
