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
