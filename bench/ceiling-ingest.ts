// The bare ingest loop, run as a child process like ingest: a node:http server that reads the
// body, parses it, appends the event (in the shape ingest stores) to a private JetStream stream
// with Nats-Msg-Id, and answers 202 when JetStream acknowledged it. Every request publishes at
// once, so as many publishes are in flight as requests. Serves POST /v1/apps/:app/events and
// /v1/apps/:app/events/batch on 127.0.0.1 until it is stopped.
import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { childOptions, tellParent } from './child';

export interface IngestLoopOptions {
  natsUrl: string;
  /** Events go to `${subjectPrefix}.{appId}.{eventType}`. */
  subjectPrefix: string;
}

export type IngestLoopMessage = { type: 'listening'; port: number } | { type: 'failed'; error: string };

interface IncomingEvent {
  id: string;
  eventType: string;
  payload: unknown;
}

async function store(js: JetStreamClient, prefix: string, appId: string, event: IncomingEvent): Promise<object> {
  const createdAt = new Date().toISOString();
  const message = {
    id: event.id,
    appId,
    eventType: event.eventType,
    channels: null,
    occurredAt: createdAt,
    createdAt,
    payload: event.payload,
  };
  const ack = await js.publish(`${prefix}.${appId}.${event.eventType}`, JSON.stringify(message), { msgID: `${appId}:${event.id}` });
  return { id: event.id, eventType: event.eventType, occurredAt: createdAt, createdAt, duplicate: ack.duplicate };
}

async function answer(js: JetStreamClient, prefix: string, req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
  const [, , , appId, , batch] = (req.url ?? '').split('/');
  let status = 202;
  let result: unknown;
  try {
    const parsed = JSON.parse(body) as IncomingEvent & { events: IncomingEvent[] };
    if (batch === 'batch') result = { data: await Promise.all(parsed.events.map((event) => store(js, prefix, appId, event))) };
    else result = await store(js, prefix, appId, parsed);
  } catch (error) {
    status = 503;
    result = { detail: String(error) };
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(result));
}

async function main(options: IngestLoopOptions): Promise<void> {
  const nc = await connect({ servers: options.natsUrl, name: 'herald-bench-ingest-loop' });
  const js = jetstream(nc);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void answer(js, options.subjectPrefix, req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await tellParent({ type: 'listening', port: (server.address() as { port: number }).port });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void nc.close().finally(() => process.exit(0));
  });
}

main(childOptions<IngestLoopOptions>()).catch(async (error: unknown) => {
  await tellParent({ type: 'failed', error: String(error) });
  process.exit(1);
});
