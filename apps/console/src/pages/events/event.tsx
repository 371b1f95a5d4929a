import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { useAppId } from '../../app';
import { api, call } from '../../api';
import { QueryState, StatusBadge, Time, useTitle } from '../../components/ui';

/** One event: its payload and the deliveries it caused. */
export function EventPage() {
  useTitle('Event');
  const appId = useAppId();
  const eventId = useParams().eventId!;
  const event = useQuery({
    queryKey: ['event', appId, eventId],
    queryFn: () => call(api.GET('/v1/apps/{appId}/events/{eventId}', { params: { path: { appId, eventId } } })),
  });
  const deliveries = useQuery({
    queryKey: ['deliveries', appId, { eventId }],
    queryFn: () => call(api.GET('/v1/apps/{appId}/deliveries', { params: { path: { appId }, query: { eventId, limit: 250 } } })),
    enabled: Boolean(event.data),
  });
  return (
    <QueryState error={event.error} loading={event.isLoading} what="event">
      {() => (
        <>
          <h1 className="mono break">{event.data!.id}</h1>
          <dl className="grid card">
            <dt>Type</dt>
            <dd className="mono">{event.data!.eventType}</dd>
            <dt>Occurred</dt>
            <dd>
              <Time value={event.data!.occurredAt} />
            </dd>
            <dt>Channels</dt>
            <dd>{event.data!.channels?.join(', ') ?? '—'}</dd>
          </dl>
          <h2>Payload</h2>
          <pre aria-label="Payload">{JSON.stringify(event.data!.payload, null, 2)}</pre>
          <h2>Deliveries</h2>
          <ul className="plain">
            {(deliveries.data?.data ?? []).map((delivery) => (
              <li key={delivery.id}>
                <Link className="mono" to={`/apps/${appId}/deliveries/${delivery.id}`}>
                  {delivery.id}
                </Link>{' '}
                to <span className="mono">{delivery.endpointId}</span> <StatusBadge status={delivery.status} />
              </li>
            ))}
          </ul>
          {deliveries.data?.data.length === 0 && <p>It matched no endpoint.</p>}
        </>
      )}
    </QueryState>
  );
}
