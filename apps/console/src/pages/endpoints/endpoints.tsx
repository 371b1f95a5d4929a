import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useAppId, useCanWrite } from '../../app';
import { api, call, type Schemas } from '../../api';
import { QueryState, StatusBadge, Time, usePager, useTitle } from '../../components/ui';

/** An app's endpoints with their health at a glance. */
export function EndpointsPage() {
  useTitle('Endpoints');
  const appId = useAppId();
  const canWrite = useCanWrite();
  const pager = usePager();
  const endpoints = useQuery({
    queryKey: ['endpoints', appId, pager.cursor],
    queryFn: () => call(api.GET('/v1/apps/{appId}/endpoints', { params: { path: { appId }, query: { cursor: pager.cursor } } })),
  });
  return (
    <>
      <div className="title-row">
        <h1>Endpoints</h1>
        {canWrite && (
          <Link className="button primary" to={`/apps/${appId}/endpoints/new`}>
            New endpoint
          </Link>
        )}
      </div>
      <QueryState error={endpoints.error} loading={endpoints.isLoading} what="app">
        {() => (
          <>
            <div className="table-wrap">
              <table className="cards">
                <caption className="visually-hidden">Endpoints and their health</caption>
                <thead>
                  <tr>
                    <th scope="col">URL</th>
                    <th scope="col">Success (24 h)</th>
                    <th scope="col">Last delivery</th>
                    <th scope="col">Circuit</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {endpoints.data!.data.map((endpoint) => (
                    <EndpointRow key={endpoint.id} appId={appId} endpoint={endpoint} />
                  ))}
                </tbody>
              </table>
            </div>
            {endpoints.data!.data.length === 0 && <p>No endpoints yet.</p>}
            {pager.controls(endpoints.data!.nextCursor)}
          </>
        )}
      </QueryState>
    </>
  );
}

type Endpoint = Schemas['Endpoint'];

/** Why an endpoint is disabled, as a person would say it. */
const DISABLED_BECAUSE: Record<NonNullable<Endpoint['disabledReason']>, string> = {
  manual: 'by hand',
  failing: 'it kept failing',
  gone: 'the receiver answered 410 Gone',
  exhausted: 'a delivery exhausted its retries',
};

/** "enabled", or "disabled: <why>" as a red badge. */
export function EndpointState({ endpoint }: { endpoint: Endpoint }) {
  if (!endpoint.disabled) return <>enabled</>;
  const reason = endpoint.disabledReason ?? 'manual';
  return <span className="badge failed">disabled: {DISABLED_BECAUSE[reason] ?? reason}</span>;
}

/** What each circuit state means for the next deliveries. */
export const CIRCUIT_MEANING: Record<NonNullable<Endpoint['health']>['circuit'], string> = {
  closed: 'deliveries go out as usual',
  open: 'after repeated failures, deliveries wait for a cooldown',
  'half-open': 'the cooldown has passed: the next attempt is a trial that closes or reopens it',
};

/** The circuit breaker's state: closed green, half-open amber, open red. */
export function CircuitBadge({ circuit = 'closed' }: { circuit?: NonNullable<Endpoint['health']>['circuit'] }) {
  const tone = circuit === 'open' ? 'failed' : circuit === 'half-open' ? 'pending' : 'succeeded';
  return (
    <span className={`badge ${tone}`} title={CIRCUIT_MEANING[circuit]}>
      {circuit}
    </span>
  );
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)} %`;
}

function EndpointRow({ appId, endpoint }: { appId: string; endpoint: Endpoint }) {
  const last = endpoint.lastDelivery;
  return (
    <tr>
      <td data-label="URL">
        <Link to={`/apps/${appId}/endpoints/${endpoint.id}`}>{endpoint.url}</Link>
        {endpoint.name && <div className="endpoint-name">{endpoint.name}</div>}
        <div className="muted">{endpoint.description || endpoint.eventTypes.join(', ')}</div>
      </td>
      <td data-label="Success (24 h)">{percent(endpoint.health?.successRate24h)}</td>
      <td data-label="Last delivery">
        {last ? (
          <>
            <StatusBadge status={last.status} /> {last.responseStatus ?? 'no response'} · <Time value={last.at} />
          </>
        ) : (
          '—'
        )}
      </td>
      <td data-label="Circuit">
        <CircuitBadge circuit={endpoint.health?.circuit} />
      </td>
      <td data-label="State">
        <EndpointState endpoint={endpoint} />
      </td>
    </tr>
  );
}
