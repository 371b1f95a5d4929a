import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, call, fieldErrors, type Schemas } from '../../api';
import { Field, FormError, parseJson } from '../../components/form';
import { QueryState, usePager, useTitle } from '../../components/ui';

/** The event-type catalog: name, description, JSON Schema, an example checked against it, deprecation. */
export function EventTypesPage() {
  useTitle('Event types');
  const pager = usePager();
  const [editing, setEditing] = useState<Schemas['EventType'] | null | undefined>(undefined);
  const types = useQuery({
    queryKey: ['event-types', pager.cursor],
    queryFn: () => call(api.GET('/v1/event-types', { params: { query: { cursor: pager.cursor } } })),
  });
  return (
    <>
      <h1>Event types</h1>
      {editing === undefined ? (
        <button type="button" className="primary" onClick={() => setEditing(null)}>
          New event type
        </button>
      ) : (
        <EventTypeForm key={editing?.name ?? 'new'} type={editing ?? undefined} onDone={() => setEditing(undefined)} />
      )}
      <QueryState error={types.error} loading={types.isLoading} what="event types">
        {() => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Event types</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Description</th>
                    <th scope="col">Schema</th>
                    <th scope="col">Status</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {types.data!.data.map((type) => (
                    <EventTypeRow key={type.name} type={type} onEdit={() => setEditing(type)} />
                  ))}
                </tbody>
              </table>
            </div>
            {types.data!.data.length === 0 && <p>No event types yet.</p>}
            {pager.controls(types.data!.nextCursor)}
          </>
        )}
      </QueryState>
    </>
  );
}

function EventTypeRow({ type, onEdit }: { type: Schemas['EventType']; onEdit: () => void }) {
  const queries = useQueryClient();
  const deprecate = useMutation({
    mutationFn: () =>
      call(api.PATCH('/v1/event-types/{name}', { params: { path: { name: type.name } }, body: { deprecated: !type.deprecated } })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['event-types'] }),
  });
  return (
    <tr>
      <td className="mono">{type.name}</td>
      <td>{type.description || '—'}</td>
      <td>{type.schema ? 'yes' : '—'}</td>
      <td>{type.deprecated ? <span className="badge failed">deprecated</span> : <span className="badge succeeded">active</span>}</td>
      <td className="actions">
        <button type="button" onClick={onEdit} aria-label={`Edit ${type.name}`}>
          Edit
        </button>
        <button
          type="button"
          onClick={() => deprecate.mutate()}
          aria-label={`${type.deprecated ? 'Undeprecate' : 'Deprecate'} ${type.name}`}
        >
          {type.deprecated ? 'Undeprecate' : 'Deprecate'}
        </button>
      </td>
    </tr>
  );
}

const pretty = (value: unknown) => (value === null || value === undefined ? '' : JSON.stringify(value, null, 2));

function EventTypeForm({ type, onDone }: { type?: Schemas['EventType']; onDone: () => void }) {
  const queries = useQueryClient();
  const [name, setName] = useState(type?.name ?? '');
  const [description, setDescription] = useState(type?.description ?? '');
  const [schema, setSchema] = useState(pretty(type?.schema));
  const [example, setExample] = useState(pretty(type?.example));
  const [deprecated, setDeprecated] = useState(type?.deprecated ?? false);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (body: { schema: Record<string, unknown> | null; example: Record<string, unknown> | null }) =>
      type
        ? call(api.PATCH('/v1/event-types/{name}', { params: { path: { name: type.name } }, body: { description, deprecated, ...body } }))
        : call(
            api.POST('/v1/event-types', {
              body: { name, description, deprecated, schema: body.schema ?? undefined, example: body.example ?? undefined },
            }),
          ),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['event-types'] });
      onDone();
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsedSchema = parseJson('schema', schema);
    const parsedExample = parseJson('example', example);
    const found: Record<string, string> = {};
    if (parsedSchema.error) found.schema = parsedSchema.error;
    if (parsedExample.error) found.example = parsedExample.error;
    setLocal(found);
    if (Object.keys(found).length > 0) return;
    save.reset();
    save.mutate({
      schema: (parsedSchema.value ?? null) as Record<string, unknown> | null,
      example: (parsedExample.value ?? null) as Record<string, unknown> | null,
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label={type ? `Edit ${type.name}` : 'New event type'}>
      <h2>{type ? `Edit ${type.name}` : 'New event type'}</h2>
      {!type && (
        <Field label="Name" error={errors.name} hint="Dot-separated, e.g. invoice.paid">
          {(control) => <input {...control} required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
      )}
      <Field label="Description" error={errors.description}>
        {(control) => <input {...control} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>
      <Field label="JSON Schema" error={errors.schema} hint="Draft 2020-12; ingest refuses payloads that do not match it.">
        {(control) => <textarea {...control} rows={8} className="mono" value={schema} onChange={(e) => setSchema(e.target.value)} />}
      </Field>
      <Field label="Example payload" error={errors.example} hint="Checked against the schema; test sends and previews use it.">
        {(control) => <textarea {...control} rows={6} className="mono" value={example} onChange={(e) => setExample(e.target.value)} />}
      </Field>
      <label className="check">
        <input type="checkbox" checked={deprecated} onChange={(e) => setDeprecated(e.target.checked)} /> Deprecated
      </label>
      <FormError error={save.error && Object.keys(fieldErrors(save.error)).length === 0 ? save.error.message : undefined} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {type ? 'Save event type' : 'Create event type'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
