import { Receiver } from './receiver';
import { eventually, TestStack } from './stack';

/** A request Herald really sent, with what signed it. */
export interface SignedRequest {
  name: string;
  signature: Record<string, string>;
  secret: string;
  headers: Record<string, string>;
  body: string;
}

const SCHEMES: { name: string; signature: Record<string, string>; secret?: string }[] = [
  { name: 'standard', signature: { scheme: 'standard' } },
  {
    name: 'hmac-hex',
    signature: { scheme: 'hmac-sha256', header: 'X-Signature', prefix: 'sha256=', encoding: 'hex' },
    secret: 'hmac-hex-secret-1',
  },
  { name: 'hmac-base64', signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature', encoding: 'base64' }, secret: 'hmac-b64-secret-2' },
  { name: 'shared-secret', signature: { scheme: 'shared-secret', header: 'X-Webhook-Secret' }, secret: 'shared-secret-value-3' },
];

/** One endpoint per signature scheme, one event published: the request each endpoint received. */
export async function captureSignedRequests(stack: TestStack, appId: string): Promise<SignedRequest[]> {
  const receiver = await new Receiver().start();
  try {
    const endpoints = [];
    for (const scheme of SCHEMES) {
      const created = await stack.request('subscriptions', 'POST', `/v1/apps/${appId}/endpoints`, {
        url: `${receiver.url}-${scheme.name}`,
        signature: scheme.signature,
        ...(scheme.secret ? { secret: scheme.secret } : {}),
      });
      if (created.status !== 201) throw new Error(`endpoint not created: ${JSON.stringify(created.body)}`);
      const { secret } = (await stack.request('subscriptions', 'GET', `/v1/apps/${appId}/endpoints/${created.body!.id}/secret`)).body!;
      endpoints.push({ ...scheme, secret: secret as string });
    }
    await stack.request('ingest', 'POST', `/v1/apps/${appId}/events`, { eventType: 'user.signed', payload: { name: 'Zoë', n: 1 } });
    await eventually(() => Promise.resolve(receiver.requests.length >= SCHEMES.length));
    return endpoints.map((endpoint) => {
      const request = receiver.requests.find((r) => r.path === `/hook-${endpoint.name}`);
      if (!request) throw new Error(`nothing received for ${endpoint.name}`);
      return {
        name: endpoint.name,
        signature: endpoint.signature,
        secret: endpoint.secret,
        headers: request.headers as Record<string, string>,
        body: request.body,
      };
    });
  } finally {
    await receiver.stop();
  }
}
