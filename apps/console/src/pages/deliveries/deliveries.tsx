import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAppId } from '../../app';
import { api, call, fieldErrors } from '../../api';
import { Field } from '../../components/form';
import { QueryState, StatusBadge, Time, usePager, useTitle } from '../../components/ui';
import { useFeed } from '../../live';

const WINDOWS: Record<string, number | null> = { any: null, '1h': 3600, '24h': 86400, '7d': 7 * 86400 };

/** An app's deliveries: filters in the address (shareable), cursor paging, new ones appear live. */
export function DeliveriesPage() {
  useTitle('Deliveries');
  const appId = useAppId();
  const queries = useQueryClient();
  const [params, setParams] = useSearchParams();
  const pager = usePager();
  const filters = {
    status: params.get('status') ?? '',
    eventType: params.get('eventType') ?? '',
    endpointId: params.get('endpointId') ?? '',
    window: params.get('window') ?? 'any',
  };
  const [draft, setDraft] = useState(filters);
  const seconds = WINDOWS[filters.window] ?? null;
  const query = {
    status: (filters.status || undefined) as 'pending' | 'succeeded' | 'failed' | undefined,
    eventType: filters.eventType || undefined,
    endpointId: filters.endpointId || undefined,
    since: seconds ? new Date(Date.now() - seconds * 1000).toISOString() : undefined,
    cursor: pager.cursor,
  };
  const deliveries = useQuery({
    queryKey: ['deliveries', appId, filters, pager.cursor],
    queryFn: () => call(api.GET('/v1/apps/{appId}/deliveries', { params: { path: { appId }, query } })),
  });
  const feed = useFeed(appId, (message) => {
    if (message.type.startsWith('delivery.')) void queries.invalidateQueries({ queryKey: ['deliveries', appId] });
  });
  const endpoints = useQuery({
    queryKey: ['endpoints', appId, 'all'],
    queryFn: () => call(api.GET('/v1/apps/{appId}/endpoints', { params: { path: { appId }, query: { limit: 250 } } })),
  });
  const errors = fieldErrors(deliveries.error);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    pager.reset();
    setParams(Object.fromEntries(Object.entries(draft).filter(([key, value]) => value && !(key === 'window' && value === 'any'))));
  };
  return (
    <>
      <div className="title-row">
        <h1>Deliveries</h1>
        <span className={`live-state ${feed}`} role="status">
          {feed === 'live' ? 'Live' : feed === 'connecting' ? 'Connecting…' : 'Offline'}
        </span>
      </div>
      <form className="inline filters" onSubmit={apply} aria-label="Filter deliveries">
        <Field label="Status" error={errors.status}>
          {(control) => (
            <select {...control} value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
              <option value="">any</option>
              <option value="pending">pending</option>
              <option value="succeeded">succeeded</option>
              <option value="failed">failed</option>
            </select>
          )}
        </Field>
        <Field label="Event type" error={errors.eventType}>
          {(control) => <input {...control} value={draft.eventType} onChange={(e) => setDraft({ ...draft, eventType: e.target.value })} />}
        </Field>
        <Field label="Endpoint" error={errors.endpointId}>
          {(control) => (
            <select {...control} value={draft.endpointId} onChange={(e) => setDraft({ ...draft, endpointId: e.target.value })}>
              <option value="">any</option>
              {(endpoints.data?.data ?? []).map((endpoint) => (
                <option key={endpoint.id} value={endpoint.id}>
                  {endpoint.url}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Time window">
          {(control) => (
            <select {...control} value={draft.window} onChange={(e) => setDraft({ ...draft, window: e.target.value })}>
              <option value="any">any time</option>
              <option value="1h">last hour</option>
              <option value="24h">last 24 hours</option>
              <option value="7d">last 7 days</option>
            </select>
          )}
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      <QueryState
        error={deliveries.error && Object.keys(errors).length === 0 ? deliveries.error : null}
        loading={deliveries.isLoading}
        what="app"
      >
        {() => (
          <>
            <div className="table-wrap">
              <table className="cards">
                <caption className="visually-hidden">Deliveries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Delivery</th>
                    <th scope="col">Event type</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last response</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {(deliveries.data?.data ?? []).map((delivery) => (
                    <tr key={delivery.id}>
                      <td data-label="Delivery">
                        <Link className="mono" to={`/apps/${appId}/deliveries/${delivery.id}`}>
                          {delivery.id}
                        </Link>
                      </td>
                      <td data-label="Event type" className="mono">
                        {delivery.eventType}
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={delivery.status} />
                      </td>
                      <td data-label="Attempts">{delivery.attemptCount}</td>
                      <td data-label="Last response">
                        {delivery.lastAttempt
                          ? `${delivery.lastAttempt.responseStatus ?? delivery.lastAttempt.error ?? 'none'} in ${delivery.lastAttempt.durationMs} ms`
                          : '—'}
                      </td>
                      <td data-label="Created">
                        <Time value={delivery.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {deliveries.data?.data.length === 0 && <p>No deliveries match.</p>}
            {pager.controls(deliveries.data?.nextCursor)}
          </>
        )}
      </QueryState>
    </>
  );
}
