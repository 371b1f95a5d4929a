// The gateway's ceiling, run as a child process like the gateway: a bare `ws` server on
// 127.0.0.1 that answers a client's subscribe as the gateway does and, when asked, broadcasts
// `rate` events/s for `seconds` to every subscribed client, in the gateway's frame (same shape
// and size), one corked write per client per turn. No NATS, no filters: what is left is the
// cost of the frames themselves.
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { childOptions, tellParent } from './child';
import { PAYLOAD } from './load';

export interface BroadcastOptions {
  idPrefix: string;
  eventType: string;
}

export type BroadcastRequest = { type: 'publish'; rate: number; seconds: number };
export type BroadcastMessage =
  { type: 'listening'; port: number } | { type: 'published'; started: number; sentAt: number[] } | { type: 'failed'; error: string };

const wallClock = () => performance.timeOrigin + performance.now();
const options = childOptions<BroadcastOptions>();
const subscribed = new Map<WebSocket, Socket>();

function accept(client: WebSocket, req: IncomingMessage): void {
  client.send(JSON.stringify({ type: 'connection', status: 'connected', message: 'WebSocket connection established' }));
  client.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { type: string; eventTypes?: string[] };
    if (message.type !== 'subscribe') return;
    subscribed.set(client, req.socket);
    client.send(JSON.stringify({ type: 'subscribed', eventTypes: message.eventTypes, appId: null }));
  });
  client.on('close', () => subscribed.delete(client));
}

/** The gateway's frame for event `n`: `{type, appId, eventId, payload, timestamp, seq}`. */
function frame(n: number): Buffer {
  const timestamp = new Date().toISOString();
  const message = {
    type: options.eventType,
    appId: 'app_ceiling_00000000000000',
    eventId: `${options.idPrefix}${n}`,
    payload: PAYLOAD,
    timestamp,
    seq: `${n + 1}.0`,
  };
  return Buffer.from(JSON.stringify(message));
}

/** Open loop: every 10 ms, the events due go to every client in one corked write each. */
async function publish(rate: number, seconds: number): Promise<BroadcastMessage> {
  const sentAt: number[] = [];
  const started = wallClock();
  while (wallClock() - started < seconds * 1000) {
    const due = Math.floor(((wallClock() - started) / 1000) * rate);
    const frames: Buffer[] = [];
    while (sentAt.length < due) {
      frames.push(frame(sentAt.length));
      sentAt.push(wallClock());
    }
    for (const [client, socket] of subscribed) {
      socket.cork();
      for (const data of frames) client.send(data, { binary: false });
      socket.uncork();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { type: 'published', started, sentAt };
}

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', accept);
server.on('listening', () => void tellParent<BroadcastMessage>({ type: 'listening', port: (server.address() as { port: number }).port }));
process.on('message', (request: BroadcastRequest) => {
  if (request.type === 'publish') void publish(request.rate, request.seconds).then(tellParent);
});
process.on('disconnect', () => process.exit(0));
