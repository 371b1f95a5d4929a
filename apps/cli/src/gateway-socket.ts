import { WebSocket } from 'ws';
import { Settings } from './settings';

/** Opens the gateway's `/ws` with the token in a subprotocol (never in the URL, which proxies log). */
export function openGateway(settings: Settings): WebSocket {
  const url = `${settings.gatewayUrl}/ws`;
  return new WebSocket(url, ['herald', `bearer.${settings.token ?? ''}`]);
}

/** Waits before the next reconnection: 0.5 s, doubling to 10 s. */
export function reconnectDelay(failures: number): number {
  return Math.min(500 * 2 ** failures, 10_000);
}
