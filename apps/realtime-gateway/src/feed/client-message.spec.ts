import { parseClientMessage } from './client-message';

describe('parseClientMessage: relay frames', () => {
  it('reads a relay request and an answer', () => {
    expect(parseClientMessage('{"type":"relay","appId":"app_1","endpointId":"ep_1"}')).toEqual({
      type: 'relay',
      appId: 'app_1',
      endpointId: 'ep_1',
    });
    expect(parseClientMessage(Buffer.from('{"type":"relay.response","requestId":"r1","status":204,"durationMs":4.6}'))).toEqual({
      type: 'relay.response',
      requestId: 'r1',
      status: 204,
      body: null,
      error: null,
      retryAfter: null,
      durationMs: 5,
    });
  });

  it('names what is wrong in a bad one', () => {
    expect(parseClientMessage('{"type":"relay","appId":"app_1"}')).toEqual({ type: 'invalid', message: 'endpointId must be a string' });
    expect(parseClientMessage('{"type":"relay.response","requestId":"r","status":99}')).toEqual({
      type: 'invalid',
      message: 'status must be an HTTP status or null',
    });
    expect(parseClientMessage('{"type":"relay.response","status":200}')).toEqual({
      type: 'invalid',
      message: 'requestId must be a string',
    });
  });
});
