import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAppId, useCanWrite } from '../../app';
import { api, call, type Schemas } from '../../api';
import { FormError } from '../../components/form';
import { QueryState, StatusBadge, Time, useTitle } from '../../components/ui';
import { useFeed } from '../../live';

/** One delivery and its attempts as a timeline: the request as sent (headers, body), the response, duration and error class. */
export function DeliveryPage() {
  useTitle('Delivery');
  const appId = useAppId();
  const deliveryId = useParams().deliveryId!;
  const canWrite = useCanWrite();
  const queries = useQueryClient();
  const key = ['delivery', appId, deliveryId];
  const delivery = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET('/v1/apps/{appId}/deliveries/{deliveryId}', { params: { path: { appId, deliveryId } } })),
  });
  useFeed(appId, (message) => {
    if (message.payload?.deliveryId === deliveryId) void queries.invalidateQueries({ queryKey: key });
  });
  const retry = useMutation({
    mutationFn: () => call(api.POST('/v1/apps/{appId}/deliveries/{deliveryId}/retry', { params: { path: { appId, deliveryId } } })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: key }),
  });
  return (
    <QueryState error={delivery.error} loading={delivery.isLoading} what="delivery">
      {() => {
        const data = delivery.data!;
        return (
          <>
            <div className="title-row">
              <h1 className="mono break">{data.id}</h1>
              {canWrite && (
                <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending}>
                  Retry now
                </button>
              )}
            </div>
            {retry.data && <p role="status">Attempt {retry.data.attempt} queued.</p>}
            <FormError error={retry.error?.message} />
            <dl className="grid card">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={data.status} />
              </dd>
              <dt>Event</dt>
              <dd>
                <Link className="mono" to={`/apps/${appId}/events/${data.eventId}`}>
                  {data.eventId}
                </Link>{' '}
                ({data.eventType})
              </dd>
              <dt>Endpoint</dt>
              <dd>
                <Link className="mono" to={`/apps/${appId}/endpoints/${data.endpointId}`}>
                  {data.endpointId}
                </Link>
              </dd>
              <dt>Attempts</dt>
              <dd>{data.attemptCount}</dd>
              <dt>Next attempt</dt>
              <dd>
                <Time value={data.nextAttemptAt} />
              </dd>
              <dt>Created</dt>
              <dd>
                <Time value={data.createdAt} />
              </dd>
            </dl>
            <h2>Attempts</h2>
            {data.attempts.length === 0 && <p>No attempt yet.</p>}
            <ol className="timeline">
              {data.attempts.map((attempt) => (
                <AttemptItem key={attempt.id} attempt={attempt} />
              ))}
            </ol>
          </>
        );
      }}
    </QueryState>
  );
}

function AttemptItem({ attempt }: { attempt: Schemas['Attempt'] }) {
  const [open, setOpen] = useState(false);
  const panel = useId();
  const summary = `Attempt ${attempt.attempt}: ${attempt.outcome === 'success' ? 'succeeded' : 'failed'}${attempt.responseStatus ? ` (${attempt.responseStatus})` : ''}${attempt.error ? ` — ${attempt.error}` : ''} in ${attempt.durationMs} ms`;
  return (
    <li className={`attempt ${attempt.outcome}`}>
      <button type="button" className="disclosure" aria-expanded={open} aria-controls={panel} onClick={() => setOpen(!open)}>
        {summary}
      </button>{' '}
      <Time value={attempt.startedAt} />
      <div id={panel} hidden={!open}>
        <h3>Request headers</h3>
        <pre aria-label={`Attempt ${attempt.attempt} request headers`}>
          {Object.entries(attempt.requestHeaders)
            .map(([name, value]) => `${name}: ${value}`)
            .join('\n')}
        </pre>
        <h3>Request body</h3>
        <pre aria-label={`Attempt ${attempt.attempt} request body`}>{attempt.requestBody ?? '(nothing was sent)'}</pre>
        <h3>Response</h3>
        <dl className="grid">
          <dt>Status</dt>
          <dd>{attempt.responseStatus ?? 'none'}</dd>
          <dt>Error class</dt>
          <dd>{attempt.error ?? 'none'}</dd>
          <dt>Duration</dt>
          <dd>{attempt.durationMs} ms</dd>
        </dl>
        <pre aria-label={`Attempt ${attempt.attempt} response body`}>{attempt.responseBody ?? ''}</pre>
      </div>
    </li>
  );
}
