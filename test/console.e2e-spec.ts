import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, ConsoleMessage, Page } from 'playwright-core';
import { Receiver } from './support/receiver';
import { eventually, TestStack } from './support/stack';

jest.setTimeout(120_000);

// The console driven as a person would, in headless Chromium from Debian's `chromium` package
// (never a browser download): controls found by role and label, Playwright's auto-waiting
// locators instead of sleeps. One stack and one browser for the whole file.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = join(__dirname, '..');
/** Set CONSOLE_SCREENSHOTS=<dir> to keep the main pages' screenshots (docs/console.md shows them). */
const screenshots = process.env.CONSOLE_SCREENSHOTS;

describe('the console and the embeddable portal, in Chromium', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let context: BrowserContext;
  let base: string;
  const scratch = mkdtempSync(join(tmpdir(), 'herald-console-'));
  /** Uncaught page errors, and console errors other than the 4xx answers a step provokes on purpose. */
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  async function newPage(width = 1280): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize({ width, height: 900 });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) consoleErrors.push(message.text());
    });
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  /** Controls a keyboard user cannot name: inputs without a label, buttons and links without text. */
  function unlabelled(page: Page): Promise<string[]> {
    // Runs in the page (the test's TypeScript has no DOM types: `any` there).
    return page
      .locator('button, a[href], input, select, textarea')
      .evaluateAll((elements: any[]) =>
        elements
          .filter((element) =>
            ['INPUT', 'SELECT', 'TEXTAREA'].includes(element.tagName)
              ? element.labels.length === 0 && !element.getAttribute('aria-label')
              : !(element.textContent ?? '').trim() && !element.getAttribute('aria-label'),
          )
          .map((element) => String(element.outerHTML).slice(0, 120)),
      );
  }

  /** What a screen reader reads after a control's name: the texts its aria-describedby points at. */
  function description(control: ReturnType<Page['getByLabel']>): Promise<string> {
    return control.evaluate((element: any) =>
      String(element.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id: string) => element.ownerDocument.getElementById(id)?.textContent ?? '')
        .join(' '),
    );
  }

  async function publish(appId: string, eventType: string, payload: object): Promise<string> {
    const response = await stack.request('ingest', 'POST', `/v1/apps/${appId}/events`, { eventType, payload });
    expect(response.status).toBe(202);
    return response.body!.id as string;
  }

  async function portal(appId: string, readOnly: boolean): Promise<{ url: string; token: string }> {
    const response = await stack.request('subscriptions', 'POST', `/v1/apps/${appId}/portal-sessions`, { readOnly });
    expect(response.status).toBe(201);
    return response.body as { url: string; token: string };
  }

  beforeAll(async () => {
    if (screenshots) mkdirSync(screenshots, { recursive: true });
    // The console as `npm run build` makes it, into this test's own folder.
    const built = join(scratch, 'console');
    execFileSync(process.execPath, [join(root, 'scripts/console-build.mjs'), built], { cwd: root, stdio: 'pipe' });
    process.env.HERALD_CONSOLE_DIR = built;
    receiver = await new Receiver().start();
    stack = await TestStack.start([]);
    // The gateway first, so the console page can be told where its feed is.
    await stack.start('realtime-gateway');
    stack.env.config.console.gatewayUrl = `${stack.url('realtime-gateway').replace('http', 'ws')}/ws`;
    for (const name of ['subscriptions', 'ingest', 'dispatcher'] as const) await stack.start(name);
    base = stack.url('subscriptions');
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    await receiver?.stop();
    delete process.env.HERALD_CONSOLE_DIR;
    rmSync(scratch, { recursive: true, force: true });
  });

  let appId: string;
  let endpointId: string;
  let page: Page;

  it('the operator signs in with the keyboard, creates an app, and every control has a name', async () => {
    page = await newPage();
    await page.goto(`${base}/console`);
    const field = page.getByLabel('Admin or app token');
    await field.waitFor();
    // Reported, not asserted (no timing assertions): docs/console.md quotes it.
    if (screenshots)
      process.stdout.write(
        `first load: ${String(await page.evaluate('Math.round(performance.getEntriesByType("navigation")[0].duration)'))} ms\n`,
      );
    await page.keyboard.press('Tab'); // the token field is the page's first control
    expect(await field.evaluate((element: any) => element === element.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.type(stack.env.token);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    // The token is kept in sessionStorage only.
    const storage = await page.evaluate('[sessionStorage.length, localStorage.length, location.href.includes("test-admin")]');
    expect(storage).toEqual([1, 0, false]);
    await page.getByLabel('New app name').fill('Shop');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('link', { name: 'Shop', exact: true }).waitFor();
    expect(await unlabelled(page)).toEqual([]);
    const apps = await stack.request('subscriptions', 'GET', '/v1/apps');
    appId = apps.body!.data.find((app: { name: string }) => app.name === 'Shop').id;
    await shot(page, 'apps');
  });

  it('renames an app, and deletes one only after confirming in a dialog', async () => {
    await page.getByLabel('New app name').fill('Scratch');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('button', { name: 'Edit Scratch' }).click();
    await page.getByRole('form', { name: 'Edit Scratch' }).getByLabel('Name').fill('Scratch 2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Scratch 2', exact: true }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Scratch 2' });
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the app Scratch 2 and all its endpoints?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('link', { name: 'Scratch 2', exact: true }).count()).toBe(1);
    await row.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete Scratch 2' }).click();
    await page.getByRole('link', { name: 'Scratch 2', exact: true }).waitFor({ state: 'detached' });
    const apps = await stack.request('subscriptions', 'GET', '/v1/apps');
    expect(apps.body!.data.map((app: { name: string }) => app.name)).toEqual(['Shop']);
  });

  it('keeps the event-type catalog: a schema, an example the API checks against it, deprecation', async () => {
    await page.getByRole('link', { name: 'Event types', exact: true }).click();
    await page.getByRole('button', { name: 'New event type' }).click();
    await page.getByLabel('Name').fill('order.paid');
    await page.getByLabel('Description').fill('A customer paid');
    await page.getByLabel('JSON Schema').fill('{"type": "object", "required": ["orderId"], "properties": {"orderId": {"type": "string"}}}');
    await page.getByLabel('Example payload').fill('{"orderId": 7');
    await page.getByRole('button', { name: 'Create event type' }).click();
    await page.getByText(/^example is not valid JSON/).waitFor();
    await page.getByLabel('Example payload').fill('{"orderId": 7}');
    await page.getByRole('button', { name: 'Create event type' }).click();
    await page.getByText('must be string').waitFor();
    expect(await page.getByLabel('Example payload').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Example payload').fill('{"orderId": "o-1", "amount": 4200}');
    await page.getByRole('button', { name: 'Create event type' }).click();
    const row = page.getByRole('row').filter({ hasText: 'order.paid' });
    await row.getByText('active').waitFor();
    await page.getByRole('button', { name: 'Deprecate order.paid' }).click();
    await row.getByText('deprecated').waitFor();
    await page.getByRole('button', { name: 'Undeprecate order.paid' }).click();
    await row.getByText('active').waitFor();
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, 'event-types');
  });

  it('creates an app token, shown once with a copy button, and revokes it after confirming', async () => {
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    await page.getByRole('link', { name: 'Tokens of Shop' }).click();
    await page.getByLabel('Description').fill('shop backend');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('The new token').innerText();
    expect(token).toMatch(/^hrld_/);
    expect(await page.getByRole('button', { name: 'Copy token' }).count()).toBe(1);
    expect((await stack.request('subscriptions', 'GET', '/v1/session', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    await shot(page, 'tokens');
    // Signed in with it in another tab: that app's pages, no operator pages.
    const appPage = await newPage();
    await appPage.goto(`${base}/console`);
    await appPage.getByLabel('Admin or app token').fill(token);
    await appPage.getByRole('button', { name: 'Sign in' }).click();
    await appPage.getByRole('heading', { name: 'Endpoints' }).waitFor();
    expect(appPage.url()).toBe(`${base}/console/apps/${appId}/endpoints`);
    expect(await appPage.getByRole('link', { name: 'Apps', exact: true }).count()).toBe(0);
    await appPage.close();
    await page.getByRole('row').filter({ hasText: 'shop backend' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('No tokens.').waitFor();
    await eventually(
      async () =>
        (await stack.request('subscriptions', 'GET', '/v1/session', undefined, { authorization: `Bearer ${token}` })).status === 401,
    );
    expect(await unlabelled(page)).toEqual([]);
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
  });

  it('creates an endpoint through its form, previewing the exact request and seeing the API’s field errors first', async () => {
    await page.getByRole('link', { name: 'Shop', exact: true }).click();
    await page.getByRole('link', { name: 'New endpoint' }).click();
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Name', { exact: true }).fill('Shop orders');
    await page.getByLabel('Headers (JSON object)').fill('{"X-Shop": "{{eventType}}"}');
    const jitter = page.getByLabel('Retry jitter');
    expect(await jitter.inputValue()).toBe('0.2'); // the API's default
    // By keyboard: the jitter, then Tab to the checkbox after it and tick it with Space.
    await jitter.fill('0');
    await jitter.press('Tab');
    await page.keyboard.press('Space');
    expect(await page.getByLabel('Disable the endpoint when a delivery exhausts its retries').isChecked()).toBe(true);
    await page.getByLabel('Serialization').selectOption('python');
    await page.getByLabel('Event id header').fill('X-Event-Id');
    await page.getByRole('button', { name: 'Preview request' }).click();
    const previewBody = page.getByLabel('Preview body');
    await previewBody.waitFor();
    const previewed = await previewBody.innerText();
    expect(JSON.parse(previewed)).toMatchObject({
      type: 'webhook.test',
      data: { message: 'This is a test event from Herald' },
    });
    // Python's json.dumps: ", " and ": " between items.
    expect(previewed).toMatch(/^\{"type": "webhook\.test", "timestamp": "/);
    const headers = await page.getByLabel('Preview headers').innerText();
    expect(headers).toContain('X-Shop: webhook.test');
    expect(headers).toMatch(/webhook-signature: v1,/);
    expect(headers).toMatch(/^X-Event-Id: evt_/m);
    // Two bad values: the API's message for each beside its field (and read out with it).
    const timeout = page.getByLabel('Timeout (ms)');
    await timeout.fill('500');
    await jitter.fill('0.9');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByText('timeoutMs must not be less than 1000').waitFor();
    expect(await timeout.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('retryJitter must not be greater than 0.5').waitFor();
    expect(await jitter.getAttribute('aria-invalid')).toBe('true');
    expect(await description(jitter)).toContain('retryJitter must not be greater than 0.5');
    // (Neither changes the request: the preview beside them still holds.)
    await shot(page, 'endpoint-form');
    await timeout.fill('5000');
    await jitter.fill('0');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: receiver.url }).waitFor();
    endpointId = /endpoints\/(ep_[^/]+)/.exec(page.url())![1];
    const created = await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${endpointId}`);
    expect(created.body).toMatchObject({
      name: 'Shop orders',
      retryJitter: 0,
      disableOnExhaustion: true,
      idHeader: 'X-Event-Id',
      body: { envelope: 'standard', serialization: 'python' },
    });
    const settings = page.getByRole('region', { name: 'Settings' });
    for (const text of ['Shop orders', '0 (exactly the schedule)', 'X-Event-Id', 'python (json.dumps)'])
      await settings.getByText(text, { exact: true }).waitFor();
    await settings.getByText('yes: disable when a delivery exhausts its retries').waitFor();
    expect(await unlabelled(page)).toEqual([]);
    // Edit: the form starts from the endpoint's settings and saves the change alone.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Shop orders');
    expect(await page.getByLabel('Retry jitter').inputValue()).toBe('0');
    expect(await page.getByLabel('Disable the endpoint when a delivery exhausts its retries').isChecked()).toBe(true);
    expect(await page.getByLabel('Serialization').inputValue()).toBe('python');
    await page.getByLabel('Description').fill('Orders');
    await page.getByLabel('Event id header').fill(''); // empty: removed
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByRole('heading', { name: receiver.url }).waitFor();
    const saved = await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${endpointId}`);
    expect(saved.body).toMatchObject({
      description: 'Orders',
      timeoutMs: 5000,
      headers: { 'X-Shop': '{{eventType}}' },
      channels: null,
      name: 'Shop orders',
      retryJitter: 0,
      disableOnExhaustion: true,
      idHeader: null,
      body: { serialization: 'python' },
    });
  });

  it('watches a delivery of an event published through the API appear live, and reads the request body as sent', async () => {
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await publish(appId, 'order.paid', { orderId: 'o-1', amount: 4200 });
    const row = page.getByRole('row').filter({ hasText: 'order.paid' });
    await row.getByText('succeeded').waitFor();
    await row.getByText(/^200 in \d+ ms$/).waitFor();
    await shot(page, 'deliveries');
    await row.getByRole('link').click();
    await page.getByRole('button', { name: /^Attempt 1: succeeded \(200\)/ }).click();
    const body = await page.getByLabel('Attempt 1 request body').innerText();
    const sent = receiver.requests.find((request) => request.body.includes('o-1'))!;
    expect(body).toBe(sent.body);
    expect(await page.getByLabel('Attempt 1 request headers').innerText()).toContain('webhook-signature: [redacted]');
    expect(page.url()).toMatch(/\/deliveries\/dlv_/);
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, 'delivery');
  });

  it('retries the delivery and sees the second attempt arrive', async () => {
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByRole('button', { name: /^Attempt 2: succeeded \(200\)/ }).waitFor();
    expect(receiver.requests.filter((request) => request.body.includes('o-1'))).toHaveLength(2);
  });

  it('reveals the secret on click and rotates it; the API has the new one', async () => {
    await page.goto(`${base}/console/apps/${appId}/endpoints/${endpointId}`);
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    const old = await page.getByLabel('Secret', { exact: true }).innerText();
    expect(old).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('Rotated: this is the new secret.').waitFor();
    const rotated = await page.getByLabel('Secret', { exact: true }).innerText();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(old);
    const stored = await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${endpointId}/secret`);
    expect(stored.body!.secret).toBe(rotated);
    // Replay the last hour: first how many it will resend, then the resend.
    await page.getByLabel('Which deliveries').selectOption('all');
    await page.getByRole('button', { name: 'Count deliveries to resend' }).click();
    await page.getByText('This will resend 1 delivery.').waitFor();
    const before = receiver.requests.length;
    await page.getByRole('button', { name: 'Resend 1' }).click();
    await page.getByText('Resent 1.').waitFor();
    await eventually(async () => receiver.requests.length > before);
    expect(receiver.requests.at(-1)!.body).toContain('o-1');
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, 'endpoint');
  });

  it('reads the charts: attempts per minute by outcome and latency', async () => {
    // The replay's attempt is recorded before the page asks (the page does not poll faster than every 30 s).
    await eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/deliveries?eventType=order.paid`);
      return list.body!.data[0]?.attemptCount === 3;
    });
    await page.getByRole('link', { name: 'Charts', exact: true }).click();
    await page.getByText('3 succeeded and 0 failed attempts in the last hour.').waitFor();
    expect(await page.getByRole('img', { name: /Latency, last hour/ }).count()).toBe(1);
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, 'charts');
  });

  it('lists endpoints with their health, and the live tail shows what happens', async () => {
    await page.getByRole('link', { name: 'Endpoints', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: receiver.url });
    await row.getByText('100 %').waitFor();
    await row.getByText('Shop orders', { exact: true }).waitFor();
    await row.getByText('closed', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Live', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await publish(appId, 'order.shipped', { orderId: 'o-2' });
    await page.getByRole('listitem').filter({ hasText: 'delivery.succeeded' }).first().waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await page.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed')).toBe('true');
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, 'live');
  });

  it('searches events by type and shows an event’s payload and the deliveries it caused', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByLabel('Event type').fill('order.shipped');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: 'order.shipped' }).waitFor();
    expect(await page.getByRole('cell', { name: 'order.paid' }).count()).toBe(0);
    await page.getByRole('row').filter({ hasText: 'order.shipped' }).getByRole('link').click();
    expect(JSON.parse(await page.getByLabel('Payload').innerText())).toEqual({ orderId: 'o-2' });
    await page.getByRole('listitem').filter({ hasText: 'succeeded' }).getByRole('link').waitFor();
    expect(await unlabelled(page)).toEqual([]);
    await shot(page, 'event');
  });

  it('an endpoint whose delivery exhausts its retries shows disabled for that reason, its circuit half-open after the cooldown', async () => {
    const failing = await new Receiver().start();
    failing.status = 500;
    try {
      await page.getByRole('link', { name: 'Endpoints', exact: true }).click();
      await page.getByRole('link', { name: 'New endpoint' }).click();
      await page.getByLabel('URL').fill(failing.url);
      await page.getByLabel('Event types').fill('probe.failing');
      await page.getByLabel('Retry schedule (seconds)').fill('1, 1, 1, 1');
      await page.getByLabel('Retry jitter').fill('0');
      await page.getByLabel('Disable the endpoint when a delivery exhausts its retries').check();
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      await page.getByRole('heading', { name: failing.url }).waitFor();
      const failingId = /endpoints\/(ep_[^/]+)/.exec(page.url())![1];
      await publish(appId, 'probe.failing', { n: 1 });
      const read = async () => (await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${failingId}`)).body!;
      // Five failed attempts: the schedule is exhausted (the endpoint disabled) and the circuit open, then half-open 5 s later.
      await eventually(async () => (await read()).disabledReason === 'exhausted', 30_000);
      await eventually(async () => (await read()).health?.circuit === 'half-open', 30_000);
      expect(failing.requests).toHaveLength(5);
      await page.getByRole('link', { name: 'Endpoints', exact: true }).click();
      const row = page.getByRole('row').filter({ hasText: failing.url });
      await row.getByText('half-open', { exact: true }).waitFor();
      await row.getByText('disabled: a delivery exhausted its retries').waitFor();
      await row.getByRole('link', { name: failing.url }).click();
      const health = page.getByRole('region', { name: 'Health' });
      await health.getByText('disabled: a delivery exhausted its retries').waitFor();
      await health.getByText('half-open', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Enable' }).waitFor();
      expect(await unlabelled(page)).toEqual([]);
    } finally {
      await failing.stop();
    }
  });

  it('a portal session of app A shows app A only; app B’s deep links say not found', async () => {
    const other = await stack.request('subscriptions', 'POST', '/v1/apps', { name: 'Other' });
    const appB = other.body!.id as string;
    const endpointB = await stack.request('subscriptions', 'POST', `/v1/apps/${appB}/endpoints`, { url: `${receiver.url}?app=b` });
    await publish(appB, 'secret.thing', { b: true });
    const deliveryB = await eventually(async () => {
      const list = await stack.request('subscriptions', 'GET', `/v1/apps/${appB}/deliveries`);
      return list.body!.data[0]?.id as string | undefined;
    });
    const { url } = await portal(appId, false);
    expect(url.startsWith(`${base}/console/portal#token=hrld_`)).toBe(true);
    const customer = await newPage(390);
    await customer.goto(url);
    await customer.getByRole('heading', { name: 'Endpoints' }).waitFor();
    // The token left the address bar; no operator pages.
    expect(customer.url()).toBe(`${base}/console/apps/${appId}/endpoints`);
    expect(await customer.getByRole('link', { name: 'Apps', exact: true }).count()).toBe(0);
    await customer.getByRole('link', { name: receiver.url, exact: true }).waitFor();
    expect(await customer.getByText(`${receiver.url}?app=b`).count()).toBe(0);
    // 390 px wide: nothing sticks out sideways.
    expect(await customer.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot(customer, 'portal-390');
    for (const path of [
      `/apps/${appB}/endpoints`,
      `/apps/${appB}/deliveries/${deliveryB}`,
      `/apps/${appB}/endpoints/${endpointB.body!.id}`,
    ]) {
      await customer.goto(`${base}/console${path}`);
      await customer.getByRole('heading', { name: 'Not found' }).waitFor();
      expect(await customer.getByText('secret.thing').count()).toBe(0);
    }
    await customer.goto(`${base}/console/apps`);
    await customer.getByRole('heading', { name: 'Not found' }).waitFor();
    await customer.close();
  });

  it('a read-only portal session shows no write controls, and the server refuses its writes', async () => {
    const { url, token } = await portal(appId, true);
    const viewer = await newPage();
    await viewer.goto(url);
    await viewer.getByText('Portal (read-only)').waitFor();
    await viewer.goto(`${base}/console/apps/${appId}/endpoints/${endpointId}`);
    await viewer.getByRole('heading', { name: receiver.url }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Rotate secret' }).count()).toBe(0);
    expect(await viewer.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    // What the page hides, the server refuses: a write with the session's token is 403.
    const statuses = await viewer.evaluate(
      async ({ appId, endpointId, token }) => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const write = await fetch(`/v1/apps/${appId}/endpoints/${endpointId}/test`, { method: 'POST', headers, body: '{}' });
        const read = await fetch(`/v1/apps/${appId}/endpoints/${endpointId}`, { headers });
        return [write.status, read.status];
      },
      { appId, endpointId, token },
    );
    expect(statuses).toEqual([403, 200]);
    await viewer.close();
  });

  it('signing out forgets the token; the browser saw no errors', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin or app token').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.goto(`${base}/console/apps`);
    await page.getByLabel('Admin or app token').waitFor();
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
