import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useAppId } from '../../app';
import { api, call, fieldErrors, type Schemas } from '../../api';
import { Field, FormError, parseJson } from '../../components/form';
import { QueryState, useTitle } from '../../components/ui';

type Endpoint = Schemas['Endpoint'];
type Settings = Schemas['UpdateEndpointDto'];

/** Every field of API.md's endpoint, as the form holds it (text, parsed on submit). */
interface FormState {
  url: string;
  name: string;
  description: string;
  type: 'webhook' | 'discord' | 'slack' | 'relay';
  eventTypes: string;
  channels: string;
  disabled: boolean;
  headers: string;
  metadata: string;
  secret: string;
  scheme: 'standard' | 'hmac-sha256' | 'shared-secret' | 'none';
  signatureHeader: string;
  signaturePrefix: string;
  signatureEncoding: 'hex' | 'base64';
  envelope: 'standard' | 'data' | 'transform';
  transform: string;
  serialization: 'compact' | 'python' | 'python-sorted';
  batching: boolean;
  batchMaxSize: string;
  batchMaxWaitMs: string;
  rateLimit: string;
  maxConcurrency: string;
  timeoutMs: string;
  retrySchedule: string;
  retryJitter: string;
  disableOnExhaustion: boolean;
  idHeader: string;
}

function initial(endpoint?: Endpoint): FormState {
  const signature = (endpoint?.signature ?? { scheme: 'standard' }) as {
    scheme: FormState['scheme'];
    header?: string;
    prefix?: string;
    encoding?: 'hex' | 'base64';
  };
  const body = (endpoint?.body ?? { envelope: 'standard' }) as {
    envelope: FormState['envelope'];
    transform?: string;
    serialization?: FormState['serialization'];
  };
  const batch = endpoint?.batch;
  return {
    url: endpoint?.url ?? '',
    name: endpoint?.name ?? '',
    description: endpoint?.description ?? '',
    type: endpoint?.type ?? 'webhook',
    eventTypes: (endpoint?.eventTypes ?? ['*']).join(', '),
    channels: (endpoint?.channels ?? []).join(', '),
    disabled: endpoint?.disabled ?? false,
    headers: endpoint && Object.keys(endpoint.headers ?? {}).length > 0 ? JSON.stringify(endpoint.headers, null, 2) : '',
    metadata: endpoint && Object.keys(endpoint.metadata ?? {}).length > 0 ? JSON.stringify(endpoint.metadata, null, 2) : '',
    secret: '',
    scheme: signature.scheme,
    signatureHeader: signature.header ?? '',
    signaturePrefix: signature.prefix ?? '',
    signatureEncoding: signature.encoding ?? 'hex',
    envelope: body.envelope,
    transform: body.transform ?? '',
    serialization: body.serialization ?? 'compact',
    batching: Boolean(batch),
    batchMaxSize: String(batch?.maxSize ?? 100),
    batchMaxWaitMs: String(batch?.maxWaitMs ?? 1000),
    rateLimit: endpoint?.rateLimit === null || endpoint?.rateLimit === undefined ? '' : String(endpoint.rateLimit),
    maxConcurrency: String(endpoint?.maxConcurrency ?? 16),
    timeoutMs: String(endpoint?.timeoutMs ?? 15000),
    retrySchedule: (endpoint?.retrySchedule ?? [5, 300, 1800, 7200, 18000, 36000, 36000]).join(', '),
    retryJitter: String(endpoint?.retryJitter ?? 0.2),
    disableOnExhaustion: endpoint?.disableOnExhaustion ?? false,
    idHeader: endpoint?.idHeader ?? '',
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
/** A number as typed; anything else goes to the API as typed, which names the field in its answer. */
const number = (text: string): number => (text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : (text as unknown as number));

/** The API body of the form, or the fields whose JSON does not parse. */
function toSettings(form: FormState, creating: boolean): { settings?: Settings; errors: Record<string, string> } {
  const headers = parseJson('headers', form.headers);
  const metadata = parseJson('metadata', form.metadata);
  const errors: Record<string, string> = {};
  if (headers.error) errors.headers = headers.error;
  if (metadata.error) errors.metadata = metadata.error;
  if (Object.keys(errors).length > 0) return { errors };
  const signature =
    form.scheme === 'hmac-sha256'
      ? {
          scheme: form.scheme,
          header: form.signatureHeader,
          encoding: form.signatureEncoding,
          ...(form.signaturePrefix ? { prefix: form.signaturePrefix } : {}),
        }
      : form.scheme === 'shared-secret'
        ? { scheme: form.scheme, header: form.signatureHeader }
        : { scheme: form.scheme };
  const settings = {
    url: form.url,
    name: form.name.trim() === '' ? null : form.name,
    description: form.description,
    type: form.type,
    eventTypes: list(form.eventTypes),
    channels: list(form.channels).length > 0 ? list(form.channels) : null,
    disabled: form.disabled,
    headers: (headers.value ?? {}) as Record<string, string>,
    metadata: (metadata.value ?? {}) as Record<string, string>,
    ...(form.secret ? { secret: form.secret } : {}),
    signature,
    body: {
      envelope: form.envelope,
      serialization: form.serialization,
      ...(form.envelope === 'transform' || form.transform ? { transform: form.transform } : {}),
    },
    batch: form.batching ? { maxSize: number(form.batchMaxSize), maxWaitMs: number(form.batchMaxWaitMs) } : null,
    rateLimit: form.rateLimit.trim() === '' ? null : number(form.rateLimit),
    maxConcurrency: number(form.maxConcurrency),
    timeoutMs: number(form.timeoutMs),
    retrySchedule: list(form.retrySchedule).map(number),
    retryJitter: number(form.retryJitter),
    disableOnExhaustion: form.disableOnExhaustion,
    idHeader: form.idHeader.trim() === '' ? null : form.idHeader.trim(),
  } as Settings;
  // Creating, an empty optional field is left out; editing, it is sent as null (removed).
  if (creating && !form.channels.trim()) delete (settings as { channels?: unknown }).channels;
  if (creating && settings.name === null) delete settings.name;
  if (creating && settings.idHeader === null) delete settings.idHeader;
  return { settings, errors };
}

/** Create or edit an endpoint: every field, the API's own messages beside each, and a preview of the exact request. */
export function EndpointFormPage() {
  const appId = useAppId();
  const { endpointId } = useParams();
  useTitle(endpointId ? 'Edit endpoint' : 'New endpoint');
  const endpoint = useQuery({
    queryKey: ['endpoint', appId, endpointId],
    queryFn: () => call(api.GET('/v1/apps/{appId}/endpoints/{endpointId}', { params: { path: { appId, endpointId: endpointId! } } })),
    enabled: Boolean(endpointId),
  });
  if (!endpointId) return <EndpointForm appId={appId} />;
  return (
    <QueryState error={endpoint.error} loading={endpoint.isLoading} what="endpoint">
      {() => <EndpointForm appId={appId} endpoint={endpoint.data} />}
    </QueryState>
  );
}

function EndpointForm({ appId, endpoint }: { appId: string; endpoint?: Endpoint }) {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [form, setForm] = useState<FormState>(() => initial(endpoint));
  const [local, setLocal] = useState<Record<string, string>>({});
  const set =
    <K extends keyof FormState>(key: K) =>
    (value: FormState[K]) =>
      setForm((current) => ({ ...current, [key]: value }));
  const save = useMutation({
    mutationFn: (settings: Settings) =>
      endpoint
        ? call(
            api.PATCH('/v1/apps/{appId}/endpoints/{endpointId}', { params: { path: { appId, endpointId: endpoint.id } }, body: settings }),
          )
        : call(api.POST('/v1/apps/{appId}/endpoints', { params: { path: { appId } }, body: settings as Schemas['CreateEndpointDto'] })),
    onSuccess: (saved) => {
      void queries.invalidateQueries({ queryKey: ['endpoints', appId] });
      void queries.invalidateQueries({ queryKey: ['endpoint', appId, saved.id] });
      void navigate(`/apps/${appId}/endpoints/${saved.id}`);
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { settings, errors: found } = toSettings(form, !endpoint);
    setLocal(found);
    if (settings) save.mutate(settings);
  };
  const text = (key: keyof FormState, label: string, hint?: string, error = errors[key]) => (
    <Field label={label} error={error} hint={hint}>
      {(control) => <input {...control} value={form[key] as string} onChange={(e) => set(key)(e.target.value)} />}
    </Field>
  );
  return (
    <>
      <h1>{endpoint ? 'Edit endpoint' : 'New endpoint'}</h1>
      <div className="form-and-preview">
        <form className="card endpoint-form" onSubmit={submit} noValidate aria-label={endpoint ? 'Edit endpoint' : 'New endpoint'}>
          {text('url', 'URL', 'Where the deliveries go (http or https).')}
          {text('name', 'Name', 'Optional: a short name for people.')}
          {text('description', 'Description')}
          <Field label="Type" error={errors.type}>
            {(control) => (
              <select {...control} value={form.type} onChange={(e) => set('type')(e.target.value as FormState['type'])}>
                <option value="webhook">webhook</option>
                <option value="discord">discord</option>
                <option value="slack">slack</option>
                <option value="relay">relay (to a connected herald listen)</option>
              </select>
            )}
          </Field>
          {text('eventTypes', 'Event types', 'Comma-separated: exact names, prefix.* or *.')}
          {text('channels', 'Channels', 'Comma-separated; empty: every channel.')}
          <fieldset>
            <legend>Signature</legend>
            <Field label="Signature scheme" error={errors.signature}>
              {(control) => (
                <select {...control} value={form.scheme} onChange={(e) => set('scheme')(e.target.value as FormState['scheme'])}>
                  <option value="standard">standard (Standard Webhooks)</option>
                  <option value="hmac-sha256">hmac-sha256</option>
                  <option value="shared-secret">shared-secret</option>
                  <option value="none">none</option>
                </select>
              )}
            </Field>
            {(form.scheme === 'hmac-sha256' || form.scheme === 'shared-secret') &&
              text('signatureHeader', 'Signature header', undefined, errors['signature.header'] ?? errors.signature)}
            {form.scheme === 'hmac-sha256' && (
              <>
                {text('signaturePrefix', 'Signature prefix', 'e.g. sha256=')}
                <Field label="Signature encoding">
                  {(control) => (
                    <select
                      {...control}
                      value={form.signatureEncoding}
                      onChange={(e) => set('signatureEncoding')(e.target.value as 'hex' | 'base64')}
                    >
                      <option value="hex">hex</option>
                      <option value="base64">base64</option>
                    </select>
                  )}
                </Field>
              </>
            )}
            {!endpoint && text('secret', 'Secret (optional)', 'Generated when empty.')}
          </fieldset>
          <fieldset>
            <legend>Body</legend>
            <Field label="Body envelope" error={errors.body}>
              {(control) => (
                <select {...control} value={form.envelope} onChange={(e) => set('envelope')(e.target.value as FormState['envelope'])}>
                  <option value="standard">standard: {'{type, timestamp, data}'}</option>
                  <option value="data">data: the payload alone</option>
                  <option value="transform">transform: a JSONata expression</option>
                </select>
              )}
            </Field>
            {form.envelope === 'transform' && (
              <Field label="Transform (JSONata)" error={errors['body.transform']}>
                {(control) => (
                  <textarea
                    {...control}
                    rows={4}
                    className="mono"
                    value={form.transform}
                    onChange={(e) => set('transform')(e.target.value)}
                  />
                )}
              </Field>
            )}
            <Field label="Serialization" error={errors['body.serialization']}>
              {(control) => (
                <select
                  {...control}
                  value={form.serialization}
                  onChange={(e) => set('serialization')(e.target.value as FormState['serialization'])}
                >
                  <option value="compact">compact (JSON.stringify)</option>
                  <option value="python">python (json.dumps)</option>
                  <option value="python-sorted">python-sorted (json.dumps sort_keys)</option>
                </select>
              )}
            </Field>
          </fieldset>
          {text(
            'idHeader',
            'Event id header',
            'Optional: a header carrying the event id (the batch id for a batch), for receivers that expect no webhook-id.',
          )}
          <Field
            label="Headers (JSON object)"
            error={errors.headers}
            hint="Values may use {{eventType}}, {{eventId}}, {{endpointId}}, {{deliveryId}}, {{attempt}}."
          >
            {(control) => (
              <textarea {...control} rows={3} className="mono" value={form.headers} onChange={(e) => set('headers')(e.target.value)} />
            )}
          </Field>
          <Field label="Metadata (JSON object)" error={errors.metadata}>
            {(control) => (
              <textarea {...control} rows={2} className="mono" value={form.metadata} onChange={(e) => set('metadata')(e.target.value)} />
            )}
          </Field>
          <fieldset>
            <legend>Delivery</legend>
            {text('timeoutMs', 'Timeout (ms)', '1000–30000')}
            {text('retrySchedule', 'Retry schedule (seconds)', 'Comma-separated seconds between attempts.')}
            <Field label="Retry jitter" error={errors.retryJitter} hint="0–0.5: each delay × (1 ± up to this); 0 = exactly the schedule.">
              {(control) => (
                <input {...control} inputMode="decimal" value={form.retryJitter} onChange={(e) => set('retryJitter')(e.target.value)} />
              )}
            </Field>
            <label className="check">
              <input type="checkbox" checked={form.disableOnExhaustion} onChange={(e) => set('disableOnExhaustion')(e.target.checked)} />{' '}
              Disable the endpoint when a delivery exhausts its retries
            </label>
            {errors.disableOnExhaustion && (
              <p className="error" role="alert">
                {errors.disableOnExhaustion}
              </p>
            )}
            {text('maxConcurrency', 'Max concurrency')}
            {text('rateLimit', 'Rate limit (per second)', 'Empty: no limit.')}
            <label className="check">
              <input type="checkbox" checked={form.batching} onChange={(e) => set('batching')(e.target.checked)} /> Send in batches
            </label>
            {form.batching && (
              <>
                {text('batchMaxSize', 'Batch max size', undefined, errors['batch.maxSize'] ?? errors.batch)}
                {text('batchMaxWaitMs', 'Batch max wait (ms)', undefined, errors['batch.maxWaitMs'])}
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={form.disabled} onChange={(e) => set('disabled')(e.target.checked)} /> Disabled
            </label>
          </fieldset>
          <FormError error={save.error && Object.keys(fieldErrors(save.error)).length === 0 ? save.error.message : undefined} />
          <div className="actions">
            <button type="submit" className="primary" disabled={save.isPending}>
              {endpoint ? 'Save endpoint' : 'Create endpoint'}
            </button>
            <Link className="button" to={endpoint ? `/apps/${appId}/endpoints/${endpoint.id}` : `/apps/${appId}/endpoints`}>
              Cancel
            </Link>
          </div>
        </form>
        <RequestPreview appId={appId} endpointId={endpoint?.id} form={form} creating={!endpoint} />
      </div>
    </>
  );
}

/** The exact request these settings produce for a sample event, built by the dispatcher's own code on the server. */
function RequestPreview({ appId, endpointId, form, creating }: { appId: string; endpointId?: string; form: FormState; creating: boolean }) {
  const [eventType, setEventType] = useState('webhook.test');
  const types = useQuery({
    queryKey: ['event-types', 'all'],
    queryFn: () => call(api.GET('/v1/event-types', { params: { query: { limit: 250 } } })),
  });
  const preview = useMutation({
    mutationFn: (settings: Settings) =>
      call(api.POST('/v1/apps/{appId}/endpoints/preview', { params: { path: { appId } }, body: { ...settings, endpointId, eventType } })),
  });
  const run = () => {
    const { settings } = toSettings(form, creating);
    if (settings) preview.mutate(creating && !settings.url ? { ...settings, url: undefined } : settings);
  };
  const errors = fieldErrors(preview.error);
  return (
    <section className="card preview" aria-label="Request preview">
      <h2>Request preview</h2>
      <Field label="Sample event type">
        {(control) => (
          <select {...control} value={eventType} onChange={(e) => setEventType(e.target.value)}>
            <option value="webhook.test">webhook.test</option>
            {(types.data?.data ?? []).map((type) => (
              <option key={type.name} value={type.name}>
                {type.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <button type="button" onClick={run} disabled={preview.isPending}>
        Preview request
      </button>
      {preview.error && (
        <p className="error banner" role="alert">
          {Object.entries(errors)
            .filter(([field]) => !field.includes('.'))
            .map(([field, message]) => `${field}: ${message}`)
            .join(' · ') || preview.error.message}
        </p>
      )}
      {preview.data && (
        <div aria-live="polite">
          <p className="mono">
            {preview.data.method} {preview.data.url}
          </p>
          {preview.data.sampleSecret && <p className="hint">Signed with a sample secret: the endpoint gets its own when created.</p>}
          <h3>Headers</h3>
          <pre aria-label="Preview headers">
            {Object.entries(preview.data.headers)
              .map(([name, value]) => `${name}: ${value}`)
              .join('\n')}
          </pre>
          <h3>Body ({preview.data.bodyBytes} bytes)</h3>
          <pre aria-label="Preview body">{preview.data.body}</pre>
        </div>
      )}
    </section>
  );
}
