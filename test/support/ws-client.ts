import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import WebSocket from 'ws';

/** A WebSocket client that keeps every JSON message it receives. */
export class FeedClient {
  readonly messages: Record<string, any>[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse((data as Buffer).toString('utf8')) as Record<string, any>));
  }

  /** Connects and resolves once the socket is open (rejects with the HTTP status if refused). */
  static connect(url: string): Promise<FeedClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new FeedClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  find(predicate: (message: Record<string, any>) => boolean): Record<string, any> | undefined {
    return this.messages.find(predicate);
  }

  close(): void {
    this.socket.close();
  }
}

/** One masked client frame (RFC 6455 §5.2), as a browser or `ws` would send it. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i += 1) masked[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}

/** What a raw connection read from the server: text messages (parsed) and the close frame's code. */
export type ServerFrame = { text: Record<string, any> } | { close: number };

/**
 * A WebSocket spoken by hand over TCP, so a test controls exactly which bytes go out in one
 * write; it records the server's (unmasked) frames in order.
 */
export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  private pending = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {}

  /** Opens `url` (ws://host:port/path?query) and resolves after the 101. */
  static async connect(url: string): Promise<RawWebSocket> {
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    const raw = new RawWebSocket(socket);
    await new Promise<void>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) return reject(new Error(status));
        socket.on('data', (data: Buffer) => raw.read(data));
        raw.read(head.subarray(end + 4));
        resolve();
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    return raw;
  }

  private read(data: Buffer): void {
    this.pending = Buffer.concat([this.pending, data]);
    for (;;) {
      if (this.pending.length < 2) return;
      const opcode = this.pending[0] & 0x0f;
      let length = this.pending[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.pending.length < 4) return;
        length = this.pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.pending.length < 10) return;
        length = Number(this.pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.pending.length < offset + length) return;
      const payload = this.pending.subarray(offset, offset + length);
      this.pending = this.pending.subarray(offset + length);
      if (opcode === 0x1) this.frames.push({ text: JSON.parse(payload.toString('utf8')) as Record<string, any> });
      else if (opcode === 0x8) this.frames.push({ close: payload.readUInt16BE(0) });
    }
  }
}
