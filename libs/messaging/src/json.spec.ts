import { jsonWithRawField } from './json';

describe('jsonWithRawField', () => {
  it('adds an already-serialized value to an object, as JSON.stringify of the whole would', () => {
    const payload = { a: [1, 'two', { 'quo"te': null }], b: 'ü\n' };
    const json = jsonWithRawField({ id: 'evt_1', channels: null }, 'payload', JSON.stringify(payload));
    expect(JSON.parse(json)).toEqual({ id: 'evt_1', channels: null, payload });
    expect(JSON.parse(jsonWithRawField({}, 'payload', '{}'))).toEqual({ payload: {} });
  });
});
