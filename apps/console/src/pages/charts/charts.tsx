import { useQuery } from '@tanstack/react-query';
import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useAppId } from '../../app';
import { api, call, type Schemas } from '../../api';
import { Field } from '../../components/form';
import { QueryState, useTitle } from '../../components/ui';
import { useFeed } from '../../live';
import { ChartFigure } from './chart';

const WINDOWS = {
  hour: { label: 'last hour', seconds: 3600, bucket: '60' as const },
  day: { label: 'last day', seconds: 86400, bucket: '900' as const },
};

/** Attempts per bucket by outcome and latency p50/p95/p99, for the app or one endpoint, over the last hour or day. */
export function ChartsPage() {
  useTitle('Charts');
  const appId = useAppId();
  const [params, setParams] = useSearchParams();
  const windowKey = params.get('window') === 'day' ? 'day' : 'hour';
  const endpointId = params.get('endpointId') ?? '';
  const window = WINDOWS[windowKey];
  const series = useQuery({
    queryKey: ['timeseries', appId, windowKey, endpointId],
    queryFn: () =>
      call(
        api.GET('/v1/apps/{appId}/stats/timeseries', {
          params: {
            path: { appId },
            query: {
              since: new Date(Date.now() - window.seconds * 1000).toISOString(),
              bucket: window.bucket,
              endpointId: endpointId || undefined,
            },
          },
        }),
      ),
    refetchInterval: 30_000,
  });
  const endpoints = useQuery({
    queryKey: ['endpoints', appId, 'all'],
    queryFn: () => call(api.GET('/v1/apps/{appId}/endpoints', { params: { path: { appId }, query: { limit: 250 } } })),
  });
  useFeed(appId, () => undefined);
  const change = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };
  return (
    <>
      <h1>Charts</h1>
      <form className="inline filters" aria-label="Chart settings" onSubmit={(e) => e.preventDefault()}>
        <Field label="Window">
          {(control) => (
            <select {...control} value={windowKey} onChange={(e) => change('window', e.target.value === 'hour' ? '' : e.target.value)}>
              <option value="hour">last hour (per minute)</option>
              <option value="day">last day (per 15 minutes)</option>
            </select>
          )}
        </Field>
        <Field label="Endpoint">
          {(control) => (
            <select {...control} value={endpointId} onChange={(e) => change('endpointId', e.target.value)}>
              <option value="">all endpoints</option>
              {(endpoints.data?.data ?? []).map((endpoint) => (
                <option key={endpoint.id} value={endpoint.id}>
                  {endpoint.url}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" onClick={() => void series.refetch()}>
          Refresh
        </button>
      </form>
      <QueryState error={series.error} loading={series.isLoading} what="app">
        {() => <Charts data={series.data!} label={window.label} bucketSeconds={Number(window.bucket)} />}
      </QueryState>
    </>
  );
}

function Charts({ data, label, bucketSeconds }: { data: Schemas['StatsTimeseries']; label: string; bucketSeconds: number }) {
  const labels = data.data.map((bucket) => new Date(bucket.start).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }));
  const succeeded = data.data.reduce((sum, bucket) => sum + bucket.succeeded, 0);
  const failed = data.data.reduce((sum, bucket) => sum + bucket.failed, 0);
  const worst = (key: 'p50' | 'p95' | 'p99') => Math.max(0, ...data.data.map((bucket) => bucket.latencyMs[key] ?? 0));
  const per = bucketSeconds === 60 ? 'minute' : `${bucketSeconds / 60} minutes`;
  const outcomes = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'succeeded', data: data.data.map((b) => b.succeeded), backgroundColor: '#2f855a', stack: 'outcome' },
          { label: 'failed', data: data.data.map((b) => b.failed), backgroundColor: '#c53030', stack: 'outcome' },
        ],
      },
      options: {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: `attempts per ${per}` } } },
      },
    }),
    [data],
  );
  const latency = useMemo<ChartConfiguration>(
    () => ({
      type: 'line',
      data: {
        labels,
        datasets: (['p50', 'p95', 'p99'] as const).map((key, index) => ({
          label: key,
          data: data.data.map((b) => b.latencyMs[key]),
          borderColor: ['#2b6cb0', '#d69e2e', '#9b2c2c'][index],
          backgroundColor: ['#2b6cb0', '#d69e2e', '#9b2c2c'][index],
          spanGaps: true,
          pointRadius: 2,
        })),
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' } } } },
    }),
    [data],
  );
  return (
    <div className="charts">
      <ChartFigure
        title={`Deliveries per ${per} by outcome, ${label}`}
        summary={`${succeeded} succeeded and ${failed} failed attempts in the ${label}.`}
        config={outcomes}
      />
      <ChartFigure
        title={`Latency, ${label}`}
        summary={`Worst bucket: p50 ${worst('p50')} ms, p95 ${worst('p95')} ms, p99 ${worst('p99')} ms.`}
        config={latency}
      />
    </div>
  );
}
