import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useAppId, useCanWrite } from '../../app';
import { api, call, fieldErrors, type Schemas } from '../../api';
import { Field, FormError } from '../../components/form';
import { ConfirmButton, CopyButton, QueryState, StatusBadge, Time, useTitle } from '../../components/ui';
import { CIRCUIT_MEANING, CircuitBadge, EndpointState, percent } from './endpoints';

const SERIALIZATION: Record<Schemas['EndpointBody']['serialization'], string> = {
  compact: 'compact (JSON.stringify)',
  python: 'python (json.dumps)',
  'python-sorted': 'python-sorted (json.dumps sort_keys)',
};

/** The retry jitter in words: 0 is exactly the schedule. */
function jitter(value: number | undefined): string {
  const share = value ?? 0.2;
  return share === 0 ? '0 (exactly the schedule)' : `${share} (each delay ± up to ${Math.round(share * 100)} %)`;
}

/** One endpoint: its settings and health, the secret (revealed on click, rotated with a grace period), test send, enable, replay, delete. */
export function EndpointPage() {
  useTitle('Endpoint');
  const appId = useAppId();
  const endpointId = useParams().endpointId!;
  const endpoint = useQuery({
    queryKey: ['endpoint', appId, endpointId],
    queryFn: () => call(api.GET('/v1/apps/{appId}/endpoints/{endpointId}', { params: { path: { appId, endpointId } } })),
  });
  return (
    <QueryState error={endpoint.error} loading={endpoint.isLoading} what="endpoint">
      {() => <EndpointDetail appId={appId} endpoint={endpoint.data!} />}
    </QueryState>
  );
}

function EndpointDetail({ appId, endpoint }: { appId: string; endpoint: Schemas['Endpoint'] }) {
  const canWrite = useCanWrite();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const path = { path: { appId, endpointId: endpoint.id } };
  const refresh = () => void queries.invalidateQueries({ queryKey: ['endpoint', appId, endpoint.id] });
  const test = useMutation({
    mutationFn: () => call(api.POST('/v1/apps/{appId}/endpoints/{endpointId}/test', { params: path, body: {} })),
  });
  const enable = useMutation({
    mutationFn: () => call(api.POST('/v1/apps/{appId}/endpoints/{endpointId}/enable', { params: path })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => call(api.DELETE('/v1/apps/{appId}/endpoints/{endpointId}', { params: path })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['endpoints', appId] });
      void navigate(`/apps/${appId}/endpoints`);
    },
  });
  const body = endpoint.body;
  const settings: [string, string][] = [
    ['Name', endpoint.name ?? '—'],
    ['Type', endpoint.type],
    ['Event types', endpoint.eventTypes.join(', ')],
    ['Channels', endpoint.channels?.join(', ') ?? 'all'],
    ['Signature', JSON.stringify(endpoint.signature)],
    ['Body envelope', body.envelope],
    ...(body.transform ? [['Transform', body.transform] as [string, string]] : []),
    ['Serialization', SERIALIZATION[body.serialization ?? 'compact'] ?? body.serialization],
    ['Headers', Object.keys(endpoint.headers ?? {}).length ? JSON.stringify(endpoint.headers) : '—'],
    ['Event id header', endpoint.idHeader ?? '—'],
    ['Timeout', `${endpoint.timeoutMs} ms`],
    ['Retry schedule', `${(endpoint.retrySchedule ?? []).join(', ')} s`],
    ['Retry jitter', jitter(endpoint.retryJitter)],
    ['Disable on exhaustion', endpoint.disableOnExhaustion ? 'yes: disable when a delivery exhausts its retries' : 'no'],
    ['Max concurrency', String(endpoint.maxConcurrency)],
    ['Rate limit', endpoint.rateLimit ? `${endpoint.rateLimit}/s` : 'none'],
    ['Batch', endpoint.batch ? JSON.stringify(endpoint.batch) : 'off'],
  ];
  return (
    <>
      <div className="title-row">
        <h1 className="break">{endpoint.url}</h1>
        {canWrite && (
          <Link className="button" to={`/apps/${appId}/endpoints/${endpoint.id}/edit`}>
            Edit
          </Link>
        )}
      </div>
      {endpoint.name && <p className="endpoint-name">{endpoint.name}</p>}
      <p className="muted mono">{endpoint.id}</p>
      <section className="card" aria-label="Health">
        <h2>Health</h2>
        <dl className="grid">
          <dt>Success (24 h)</dt>
          <dd>{percent(endpoint.health?.successRate24h)}</dd>
          <dt>Last delivery</dt>
          <dd>
            {endpoint.lastDelivery ? (
              <>
                <StatusBadge status={endpoint.lastDelivery.status} /> {endpoint.lastDelivery.responseStatus ?? 'no response'} ·{' '}
                <Time value={endpoint.lastDelivery.at} />
              </>
            ) : (
              '—'
            )}
          </dd>
          <dt>Circuit</dt>
          <dd>
            <CircuitBadge circuit={endpoint.health?.circuit} />{' '}
            <span className="muted">{CIRCUIT_MEANING[endpoint.health?.circuit ?? 'closed']}</span>
          </dd>
          <dt>State</dt>
          <dd>
            <EndpointState endpoint={endpoint} />
          </dd>
        </dl>
        <p>
          <Link to={`/apps/${appId}/deliveries?endpointId=${endpoint.id}`}>Its deliveries</Link> ·{' '}
          <Link to={`/apps/${appId}/charts?endpointId=${endpoint.id}`}>Its charts</Link>
        </p>
      </section>
      <section className="card" aria-label="Settings">
        <h2>Settings</h2>
        <dl className="grid">
          {settings.map(([name, value]) => (
            <div key={name} className="pair">
              <dt>{name}</dt>
              <dd className="mono break">{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <SecretSection appId={appId} endpoint={endpoint} />
      {canWrite && (
        <section className="card" aria-label="Actions">
          <h2>Actions</h2>
          <div className="actions">
            <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
              Send test event
            </button>
            {endpoint.disabled && (
              <button type="button" onClick={() => enable.mutate()}>
                Enable
              </button>
            )}
            <ConfirmButton
              label="Delete endpoint"
              danger
              question={`Delete the endpoint ${endpoint.url}?`}
              onConfirm={() => remove.mutate()}
            />
          </div>
          {test.data && (
            <p role="status">
              Test sent: <Link to={`/apps/${appId}/deliveries/${test.data.deliveryId}`}>{test.data.deliveryId}</Link>
            </p>
          )}
          <FormError error={test.error?.message ?? enable.error?.message ?? remove.error?.message} />
        </section>
      )}
      {canWrite && <ReplaySection appId={appId} endpointId={endpoint.id} />}
    </>
  );
}

function SecretSection({ appId, endpoint }: { appId: string; endpoint: Schemas['Endpoint'] }) {
  const canWrite = useCanWrite();
  const path = { path: { appId, endpointId: endpoint.id } };
  const [grace, setGrace] = useState(
    endpoint.signature && (endpoint.signature as { scheme: string }).scheme === 'standard' ? '86400' : '0',
  );
  const secret = useMutation({ mutationFn: () => call(api.GET('/v1/apps/{appId}/endpoints/{endpointId}/secret', { params: path })) });
  const rotate = useMutation({
    mutationFn: () =>
      call(
        api.POST('/v1/apps/{appId}/endpoints/{endpointId}/secret/rotate', { params: path, body: { gracePeriodSeconds: Number(grace) } }),
      ),
  });
  const shown = rotate.data?.secret ?? secret.data?.secret;
  const errors = fieldErrors(rotate.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rotate.mutate();
  };
  return (
    <section className="card" aria-label="Signing secret">
      <h2>Signing secret</h2>
      {shown ? (
        <p>
          <code className="secret" aria-label="Secret">
            {shown}
          </code>{' '}
          <CopyButton value={shown} label="Copy secret" />
          {rotate.data && <span role="status"> Rotated: this is the new secret.</span>}
        </p>
      ) : (
        <button type="button" onClick={() => secret.mutate()}>
          Reveal secret
        </button>
      )}
      {canWrite && (
        <form className="inline" onSubmit={submit} aria-label="Rotate secret">
          <Field
            label="Grace period (seconds)"
            error={errors.gracePeriodSeconds}
            hint="The old secret keeps signing this long (standard scheme only)."
          >
            {(control) => <input {...control} inputMode="numeric" value={grace} onChange={(e) => setGrace(e.target.value)} />}
          </Field>
          <button type="submit" disabled={rotate.isPending}>
            Rotate secret
          </button>
        </form>
      )}
      <FormError error={(secret.error ?? (Object.keys(errors).length === 0 ? rotate.error : null))?.message} />
    </section>
  );
}

const localInput = (date: Date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** Replay a time window: first how many deliveries it will resend (a dry run), then the replay itself. */
function ReplaySection({ appId, endpointId }: { appId: string; endpointId: string }) {
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - 3600_000)));
  const [until, setUntil] = useState(() => localInput(new Date(Date.now() + 60_000)));
  const [status, setStatus] = useState<'failed' | 'all'>('failed');
  const path = { path: { appId, endpointId } };
  const body = (dryRun: boolean) => ({ since: new Date(since).toISOString(), until: new Date(until).toISOString(), status, dryRun });
  const count = useMutation({
    mutationFn: () => call(api.POST('/v1/apps/{appId}/endpoints/{endpointId}/replay', { params: path, body: body(true) })),
  });
  const replay = useMutation({
    mutationFn: () => call(api.POST('/v1/apps/{appId}/endpoints/{endpointId}/replay', { params: path, body: body(false) })),
  });
  const errors = fieldErrors(count.error ?? replay.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    replay.reset();
    count.mutate();
  };
  return (
    <section className="card" aria-label="Replay">
      <h2>Replay a time window</h2>
      <form className="inline" onSubmit={submit} aria-label="Replay window">
        <Field label="Since" error={errors.since}>
          {(control) => <input {...control} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />}
        </Field>
        <Field label="Until" error={errors.until}>
          {(control) => <input {...control} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
        </Field>
        <Field label="Which deliveries">
          {(control) => (
            <select {...control} value={status} onChange={(e) => setStatus(e.target.value as 'failed' | 'all')}>
              <option value="failed">failed only</option>
              <option value="all">all</option>
            </select>
          )}
        </Field>
        <button type="submit">Count deliveries to resend</button>
      </form>
      {count.data && !replay.data && (
        <p role="status">
          This will resend {count.data.count} {count.data.count === 1 ? 'delivery' : 'deliveries'}.{' '}
          {count.data.count > 0 && (
            <button type="button" className="primary" onClick={() => replay.mutate()} disabled={replay.isPending}>
              Resend {count.data.count}
            </button>
          )}
        </p>
      )}
      {replay.data && <p role="status">Resent {replay.data.count}.</p>}
      <FormError error={Object.keys(errors).length === 0 ? (count.error ?? replay.error)?.message : undefined} />
    </section>
  );
}
