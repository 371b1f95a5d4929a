import { Command } from 'commander';
import pc from 'picocolors';
import { CliError } from '../cli-error';
import { openGateway, reconnectDelay } from '../gateway-socket';
import { clock, statusText } from '../output';
import { resolveSettings } from '../settings';
import { list } from './resources';

interface FeedMessage {
  type: string;
  seq?: string;
  appId?: string;
  eventId?: string;
  message?: string;
  timestamp?: string;
  payload?: Record<string, unknown>;
}

/** One readable line for a feed message (null for the gateway's own answers). */
export function feedLine(message: FeedMessage): string | null {
  const at = clock(message.timestamp ? new Date(message.timestamp) : new Date());
  const payload = message.payload ?? {};
  if (message.type.startsWith('delivery.')) {
    const { eventId, endpointId, attempt, responseStatus, durationMs, error } = payload as Record<string, string | number | null>;
    return `${pc.dim(at)}  ${message.type.padEnd(18)} ${String(eventId)} → ${String(endpointId)}  #${String(attempt)}  ${statusText(responseStatus as number | null, error as string | null)}  ${String(durationMs)} ms`;
  }
  if (message.type.startsWith('endpoint.')) return `${pc.dim(at)}  ${pc.yellow(message.type)} ${JSON.stringify(payload)}`;
  if (['connection', 'subscribed', 'pong', 'caught-up', 'unsubscribed', 'relaying'].includes(message.type)) return null;
  if (message.eventId)
    return `${pc.dim(at)}  ${pc.cyan(message.type.padEnd(18))} ${message.eventId}  ${message.appId ?? ''}  ${JSON.stringify(payload)}`;
  return null;
}

/** `herald tail [--app <app>] [--types 'user.*']` */
export function tailCommand(): Command {
  return new Command('tail')
    .description('the live feed of events and delivery outcomes, one line a message (Ctrl-C stops)')
    .option('--app <app>', 'only this app (id or uid)')
    .option('--types <filters>', "event type filters, comma-separated ('user.*,order.paid')", '*')
    .option('--json', 'print each message as a JSON line')
    .action(async (options: { app?: string; types: string; json?: boolean }) => {
      const settings = await resolveSettings();
      if (!settings.token) throw new CliError('no token: run `herald login --url <url> --token <token>` or set HERALD_TOKEN');
      let since: string | null = null;
      let failures = 0;
      await new Promise<void>((_resolve, reject) => {
        const connect = () => {
          const socket = openGateway(settings);
          socket.on('open', () => {
            failures = 0;
            socket.send(
              JSON.stringify({
                type: 'subscribe',
                eventTypes: list(options.types),
                appId: options.app ?? null,
                ...(since ? { since } : {}),
              }),
            );
          });
          socket.on('message', (data: Buffer) => {
            const message = JSON.parse(data.toString('utf8')) as FeedMessage;
            if (message.seq) since = message.seq;
            if (message.type === 'error') return reject(new CliError(`gateway: ${message.message ?? 'error'}`));
            if (message.type === 'subscribed' && !options.json)
              process.stderr.write(pc.dim(`tailing ${options.app ?? 'every app'} (${options.types}); Ctrl-C stops\n`));
            if (options.json) {
              if (message.eventId || message.type.includes('.')) process.stdout.write(`${JSON.stringify(message)}\n`);
              return;
            }
            const line = feedLine(message);
            if (line) process.stdout.write(`${line}\n`);
          });
          socket.on('unexpected-response', (_request, response) => {
            reject(
              new CliError(
                `the gateway refused the connection (${response.statusCode}${response.statusCode === 401 ? ': bad token' : ''})`,
              ),
            );
          });
          socket.on('error', () => undefined);
          socket.on('close', () => {
            process.stderr.write(pc.dim('connection lost; reconnecting…\n'));
            setTimeout(connect, reconnectDelay(failures++));
          });
        };
        connect();
      });
    });
}
