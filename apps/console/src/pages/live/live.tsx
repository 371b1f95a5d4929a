import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { useAppId } from '../../app';
import { useTitle } from '../../components/ui';
import { useFeed, type FeedMessage } from '../../live';

const KEEP = 200;

/** A pausable tail of the app's events and delivery outcomes, from the realtime gateway. */
export function LivePage() {
  useTitle('Live');
  const appId = useAppId();
  const [paused, setPaused] = useState(false);
  const [messages, setMessages] = useState<FeedMessage[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const state = useFeed(appId, (message) => {
    if (!pausedRef.current) setMessages((current) => [message, ...current].slice(0, KEEP));
  });
  return (
    <>
      <div className="title-row">
        <h1>Live</h1>
        <span className={`live-state ${state}`} role="status">
          {state === 'live' ? (paused ? 'Paused' : 'Live') : state === 'connecting' ? 'Connecting…' : 'Offline'}
        </span>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => setMessages([])}>
          Clear
        </button>
      </div>
      <ol className="tail" aria-label="Feed" aria-live={paused ? 'off' : 'polite'}>
        {messages.map((message, index) => (
          <li key={message.seq ?? index} className={message.type.startsWith('delivery.') ? `outcome ${message.type.slice(9)}` : 'event'}>
            <span className="mono">{message.timestamp ? new Date(message.timestamp).toLocaleTimeString() : ''}</span>{' '}
            <strong>{message.type}</strong> <Summary appId={appId} message={message} />
          </li>
        ))}
      </ol>
      {messages.length === 0 && <p>Waiting for events…</p>}
    </>
  );
}

function Summary({ appId, message }: { appId: string; message: FeedMessage }) {
  const payload = message.payload ?? {};
  if (message.type.startsWith('delivery.')) {
    return (
      <>
        <Link className="mono" to={`/apps/${appId}/deliveries/${String(payload.deliveryId)}`}>
          {String(payload.deliveryId)}
        </Link>{' '}
        attempt {String(payload.attempt)} → {outcomeText(payload)} in {String(payload.durationMs)} ms
      </>
    );
  }
  return message.eventId ? (
    <Link className="mono" to={`/apps/${appId}/events/${message.eventId}`}>
      {message.eventId}
    </Link>
  ) : null;
}

/** The response status, or the error class when there was no response. */
function outcomeText(payload: Record<string, unknown>): string {
  const status = payload.responseStatus;
  return typeof status === 'number' ? String(status) : typeof payload.error === 'string' ? payload.error : 'no response';
}
