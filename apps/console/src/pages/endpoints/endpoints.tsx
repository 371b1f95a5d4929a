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

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)} %`;
}

function EndpointRow({ appId, endpoint }: { appId: string; endpoint: Schemas['Endpoint'] }) {
  const last = endpoint.lastDelivery;
  return (
    <tr>
      <td data-label="URL">
        <Link to={`/apps/${appId}/endpoints/${endpoint.id}`}>{endpoint.url}</Link>
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
        <span className={`badge ${endpoint.health?.circuit === 'open' ? 'failed' : 'succeeded'}`}>
          {endpoint.health?.circuit ?? 'closed'}
        </span>
      </td>
      <td data-label="State">
        {endpoint.disabled ? <span className="badge failed">disabled: {endpoint.disabledReason ?? 'manual'}</span> : 'enabled'}
      </td>
    </tr>
  );
}
