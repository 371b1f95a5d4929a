import { RECORDED_BODY_BYTES, recordableBody } from './webhook-request';

describe('recordableBody (the request body an attempt record keeps)', () => {
  it('keeps a body up to 64 KiB whole and cuts a longer one at 64 KiB', () => {
    const small = Buffer.from('{"type":"a","data":{}}');
    expect(recordableBody(small)).toBe(small.toString());
    const big = Buffer.from('x'.repeat(RECORDED_BODY_BYTES + 10));
    expect(recordableBody(big)).toBe('x'.repeat(RECORDED_BODY_BYTES));
  });

  it('is null when nothing was sent (a transform failed before the request)', () => {
    expect(recordableBody(Buffer.alloc(0))).toBeNull();
  });

  it('turns a character cut in two at the limit into U+FFFD rather than invalid text', () => {
    const body = Buffer.concat([Buffer.from('x'.repeat(RECORDED_BODY_BYTES - 1)), Buffer.from('é')]);
    expect(recordableBody(body)).toBe(`${'x'.repeat(RECORDED_BODY_BYTES - 1)}\uFFFD`);
  });
});
