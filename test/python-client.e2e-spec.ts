import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureSignedRequests } from './support/signed-requests';
import { eventually, TestStack } from './support/stack';

// clients/python/herald_client.py, run by python3's unittest against a private stack: publishing
// through ingest, and verifying requests Herald really sent with every scheme.
describe('the Python client', () => {
  let stack: TestStack;
  const scratch = mkdtempSync(join(tmpdir(), 'herald-python-'));

  beforeAll(async () => {
    stack = await TestStack.start(['subscriptions', 'ingest', 'dispatcher']);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('publishes and verifies with the standard library only', async () => {
    const app = (await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Python', uid: 'py-app' })).body!;
    const signed = await captureSignedRequests(stack, app.id as string);
    const fixture = join(scratch, 'fixture.json');
    writeFileSync(fixture, JSON.stringify({ ingestUrl: stack.url('ingest'), token: stack.env.token, app: 'py-app', signed }));

    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'python3',
        ['-m', 'unittest', '-v', 'test_herald_client'],
        {
          cwd: join(__dirname, '../clients/python'),
          env: { PATH: process.env.PATH, HOME: process.env.HOME, HERALD_TEST_FIXTURE: fixture, PYTHONDONTWRITEBYTECODE: '1' },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toMatch(/Ran 7 tests in [\d.]+s\n\nOK/);
    expect(result.code).toBe(0);

    // What Python published is there, once.
    const published = /published (\S+)/.exec(result.stdout)?.[1];
    // The events list is a projection of the stream: it follows shortly after the 202.
    const events = await eventually(async () => {
      const found = (await stack.request('subscriptions', 'GET', `/v1/apps/${app.id}/events?eventType=python.published`)).body!.data;
      return found.length > 0 ? found : undefined;
    });
    expect(events.map((event: { id: string }) => event.id)).toEqual([published]);
  });
});
