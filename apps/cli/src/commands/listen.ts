import { Command } from 'commander';
import pc from 'picocolors';
import type { WebSocket } from 'ws';
import { managementClient, unwrap } from '../api';
import { CliError } from '../cli-error';
import { openGateway, reconnectDelay } from '../gateway-socket';
import { clock, statusText } from '../output';
import { resolveSettings } from '../settings';
import { list } from './resources';

const RESPONSE_BODY_LIMIT = 4096;
/** Headers the local request gets from its own client, not from Herald's. */
const HOP_BY_HOP = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

interface RelayRequestFrame {
  type: 'relay.request';
  requestId: string;
  eventId: string;
  eventType: string;
  deliveries: number;
  headers: Record<string, string>;
  body: string;
}

interface LocalAnswer {
  status: number | null;
  body: string | null;
  error: string | null;
  retryAfter: string | null;
  durationMs: number;
}

/** POSTs one relayed request to the local URL with Herald's headers and body, byte for byte. */
export async function forward(url: string, frame: RelayRequestFrame, timeoutMs = 30_000): Promise<LocalAnswer> {
  const started = performance.now();
  const headers = Object.fromEntries(Object.entries(frame.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: Buffer.from(frame.body, 'base64'),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const bytes = Buffer.from(await response.arrayBuffer()).subarray(0, RESPONSE_BODY_LIMIT);
    return {
      status: response.status,
      body: bytes.toString('base64'),
      error: null,
      retryAfter: response.headers.get('retry-after'),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return { status: null, body: null, error: errorClass(error), retryAfter: null, durationMs: Math.round(performance.now() - started) };
  }
}

function errorClass(error: unknown): string {
  for (
    let current = error as { name?: string; code?: string; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return 'timeout';
    if (current.code === 'ECONNREFUSED') return 'connection_refused';
    if (current.code === 'ENOTFOUND' || current.code === 'EAI_AGAIN') return 'dns';
  }
  return 'connection_reset';
}

/** `herald listen --app <app> --forward-to <url> [--types <filters>] [--endpoint <id>]` */
export function listenCommand(): Command {
  return new Command('listen')
    .description("receive an app's deliveries on this machine and forward each to a local URL (Ctrl-C stops)")
    .requiredOption('--app <app>', 'app id or uid')
    .requiredOption('--forward-to <url>', 'the local URL that gets each delivery, e.g. http://localhost:3000/webhooks')
    .option('--types <filters>', "event type filters, comma-separated ('user.*,order.paid')")
    .option('--endpoint <endpointId>', 'reuse this relay endpoint instead of a temporary one (kept on exit)')
    .action(async (options: { app: string; forwardTo: string; types?: string; endpoint?: string }) => {
      let target: URL;
      try {
        target = new URL(options.forwardTo);
      } catch {
        throw new CliError(`--forward-to must be a URL (got "${options.forwardTo}")`);
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new CliError('--forward-to must be an http(s) URL');
      const settings = await resolveSettings();
      const client = managementClient(settings);
      const app = await unwrap(client.GET('/v1/apps/{appId}', { params: { path: { appId: options.app } } }));
      let endpointId: string;
      const temporary = options.endpoint === undefined;
      if (options.endpoint !== undefined) {
        const endpoint = await unwrap(
          client.GET('/v1/apps/{appId}/endpoints/{endpointId}', { params: { path: { appId: app.id, endpointId: options.endpoint } } }),
        );
        if (endpoint.type !== 'relay') throw new CliError(`endpoint ${endpoint.id} is of type "${endpoint.type}", not "relay"`);
        endpointId = endpoint.id;
      } else {
        const endpoint = await unwrap(
          client.POST('/v1/apps/{appId}/endpoints', {
            params: { path: { appId: app.id } },
            body: {
              url: target.toString(),
              type: 'relay',
              description: 'herald listen (temporary)',
              metadata: { createdBy: 'herald listen' },
              ...(options.types ? { eventTypes: list(options.types) } : {}),
            } as never,
          }),
        );
        endpointId = endpoint.id;
      }
      const { secret } = await unwrap(
        client.GET('/v1/apps/{appId}/endpoints/{endpointId}/secret', { params: { path: { appId: app.id, endpointId } } }),
      );

      let socket: WebSocket | undefined;
      let stopping = false;
      let failures = 0;
      let ready = false;
      const removeTemporary = async () => {
        if (!temporary) return;
        await unwrap(client.DELETE('/v1/apps/{appId}/endpoints/{endpointId}', { params: { path: { appId: app.id, endpointId } } }));
        process.stderr.write(pc.dim(`removed the temporary endpoint ${endpointId}\n`));
      };

      await new Promise<void>((resolve, reject) => {
        const fail = (error: CliError) => {
          stopping = true;
          socket?.close();
          removeTemporary().then(
            () => reject(error),
            () => reject(error),
          );
        };
        const stop = () => {
          if (stopping) return;
          stopping = true;
          socket?.close();
          removeTemporary().then(resolve, (error: Error) =>
            reject(new CliError(`could not remove endpoint ${endpointId}: ${error.message}`)),
          );
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);

        const connect = () => {
          const current = openGateway(settings);
          socket = current;
          current.on('open', () => current.send(JSON.stringify({ type: 'relay', appId: app.id, endpointId })));
          current.on('message', (data: Buffer) => {
            const message = JSON.parse(data.toString('utf8')) as { type: string; message?: string };
            if (message.type === 'relaying') {
              failures = 0;
              if (!ready) {
                ready = true;
                process.stdout.write(
                  `Ready: forwarding ${app.name} (${app.id}) deliveries to ${target.toString()}\n` +
                    `  endpoint ${endpointId}${temporary ? ' (temporary, removed on Ctrl-C)' : ''}, signing secret ${secret}\n`,
                );
              } else process.stderr.write(pc.dim('reconnected\n'));
            } else if (message.type === 'error') {
              // A refusal (another app's endpoint, not a relay endpoint) will not change on retry.
              fail(new CliError(`gateway: ${message.message ?? 'error'}`));
            } else if (message.type === 'relay.request') {
              const frame = message as unknown as RelayRequestFrame;
              void forward(target.toString(), frame).then((answer) => {
                if (current.readyState === current.OPEN)
                  current.send(JSON.stringify({ type: 'relay.response', requestId: frame.requestId, ...answer }));
                const count = frame.deliveries > 1 ? ` (+${frame.deliveries - 1} in batch)` : '';
                process.stdout.write(
                  `${clock()}  ${frame.eventType}  ${frame.eventId}${count}  ${statusText(answer.status, answer.error)}  ${answer.durationMs} ms\n`,
                );
              });
            }
          });
          current.on('unexpected-response', (_request, response) => {
            if (response.statusCode === 401) fail(new CliError('the gateway refused the token (401)'));
          });
          current.on('error', () => undefined);
          current.on('close', () => {
            if (stopping) return;
            process.stderr.write(pc.dim('gateway connection lost; reconnecting…\n'));
            setTimeout(connect, reconnectDelay(failures++));
          });
        };
        connect();
      });
    });
}
