import { relayResult } from './relay-client';

describe('relayResult (a herald listen answer as an attempt)', () => {
  const answer = { status: 200, body: 'ok', error: null, retryAfter: null, durationMs: 3 };

  it('is a success for the local server’s 2xx', () => {
    expect(relayResult(answer, 12)).toEqual({ ok: true, status: 200, body: 'ok', error: null, retryAfter: null, durationMs: 12 });
  });

  it('classifies other statuses as Herald does for HTTP endpoints', () => {
    expect(relayResult({ ...answer, status: 500 }, 1)).toMatchObject({ ok: false, status: 500, error: 'http_status' });
    expect(relayResult({ ...answer, status: 302 }, 1)).toMatchObject({ ok: false, status: 302, error: 'redirect' });
    expect(relayResult({ ...answer, status: 429, retryAfter: '7' }, 1)).toMatchObject({ ok: false, retryAfter: '7' });
  });

  it('keeps the CLI’s error class when the local server gave no answer, and refuses classes it does not know', () => {
    expect(relayResult({ ...answer, status: null, body: null, error: 'timeout' }, 1)).toMatchObject({
      ok: false,
      status: null,
      error: 'timeout',
    });
    expect(relayResult({ ...answer, status: null, body: null, error: 'made_up' }, 1)).toMatchObject({ error: 'connection_refused' });
  });

  it('records the first 4 KiB of the body, NUL characters removed (as for HTTP endpoints)', () => {
    const result = relayResult({ ...answer, body: `a\u0000${'b'.repeat(5000)}` }, 1);
    expect(result.body).toBe(`a${'b'.repeat(4094)}`);
  });
});
