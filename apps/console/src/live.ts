import { useEffect, useRef, useState } from 'react';
import { gatewayUrl } from './api';
import { getToken } from './session';

/** A message of the realtime gateway's feed (API.md, "Realtime gateway"). */
export interface FeedMessage {
  type: string;
  appId?: string;
  eventId?: string;
  seq?: string;
  timestamp?: string;
  payload?: Record<string, unknown>;
}

export type FeedState = 'connecting' | 'live' | 'closed';

/**
 * Follows the gateway's feed of one app while mounted. The token travels as a WebSocket
 * subprotocol (`bearer.<token>`), never in the URL. Reconnects after a drop, resuming from the
 * last `seq` so nothing is missed.
 */
export function useFeed(appId: string | undefined, onMessage: (message: FeedMessage) => void): FeedState {
  const [state, setState] = useState<FeedState>('connecting');
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (!appId) return;
    let socket: WebSocket | undefined;
    let stopped = false;
    let lastSeq: string | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      const token = getToken();
      if (!token || stopped) return;
      setState('connecting');
      socket = new WebSocket(gatewayUrl(), ['herald', `bearer.${token}`]);
      socket.onopen = () => socket?.send(JSON.stringify({ type: 'subscribe', appId, ...(lastSeq ? { since: lastSeq } : {}) }));
      socket.onmessage = (frame) => {
        const message = JSON.parse(String(frame.data)) as FeedMessage;
        if (message.type === 'subscribed') setState('live');
        if (message.seq) lastSeq = message.seq;
        if (message.appId) handler.current(message);
      };
      socket.onclose = () => {
        setState('closed');
        if (!stopped) retry = setTimeout(open, 2000);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [appId]);
  return state;
}
