import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, call, fieldErrors, type Schemas } from '../../api';
import { Field, FormError } from '../../components/form';
import { ConfirmButton, CopyButton, QueryState, Time, usePager, useTitle } from '../../components/ui';

/** The operator's apps: create, rename, delete (with confirmation), tokens, portal links. */
export function AppsPage() {
  useTitle('Apps');
  const pager = usePager();
  const apps = useQuery({
    queryKey: ['apps', pager.cursor],
    queryFn: () => call(api.GET('/v1/apps', { params: { query: { cursor: pager.cursor } } })),
  });
  return (
    <>
      <h1>Apps</h1>
      <AppForm />
      <QueryState error={apps.error} loading={apps.isLoading} what="apps">
        {() => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Apps</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">UID</th>
                    <th scope="col">Created</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {apps.data!.data.map((app) => (
                    <AppRow key={app.id} app={app} />
                  ))}
                </tbody>
              </table>
            </div>
            {apps.data!.data.length === 0 && <p>No apps yet.</p>}
            {pager.controls(apps.data!.nextCursor)}
          </>
        )}
      </QueryState>
    </>
  );
}

function AppForm({ app, onDone }: { app?: Schemas['App']; onDone?: () => void }) {
  const queries = useQueryClient();
  const [name, setName] = useState(app?.name ?? '');
  const [uid, setUid] = useState(app?.uid ?? '');
  const save = useMutation({
    mutationFn: () =>
      app
        ? call(api.PATCH('/v1/apps/{appId}', { params: { path: { appId: app.id } }, body: { name, uid: uid || undefined } }))
        : call(api.POST('/v1/apps', { body: { name, uid: uid || undefined } })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['apps'] });
      if (!app) {
        setName('');
        setUid('');
      }
      onDone?.();
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="inline" onSubmit={submit} aria-label={app ? `Edit ${app.name}` : 'New app'}>
      <Field label={app ? 'Name' : 'New app name'} error={errors.name}>
        {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="UID (optional)" error={errors.uid}>
        {(control) => <input {...control} value={uid} onChange={(e) => setUid(e.target.value)} />}
      </Field>
      <FormError error={save.error && !errors.name && !errors.uid ? save.error.message : undefined} />
      <button type="submit" className="primary" disabled={save.isPending}>
        {app ? 'Save' : 'Create app'}
      </button>
      {onDone && (
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      )}
    </form>
  );
}

function AppRow({ app }: { app: Schemas['App'] }) {
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => call(api.DELETE('/v1/apps/{appId}', { params: { path: { appId: app.id } } })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['apps'] }),
  });
  const portal = useMutation({
    mutationFn: (readOnly: boolean) =>
      call(api.POST('/v1/apps/{appId}/portal-sessions', { params: { path: { appId: app.id } }, body: { readOnly } })),
  });
  if (editing) {
    return (
      <tr>
        <td colSpan={4}>
          <AppForm app={app} onDone={() => setEditing(false)} />
        </td>
      </tr>
    );
  }
  return (
    <tr>
      <td>
        <Link to={`/apps/${app.id}/endpoints`}>{app.name}</Link>
        <div className="muted mono">{app.id}</div>
      </td>
      <td>{app.uid ?? '—'}</td>
      <td>
        <Time value={app.createdAt} />
      </td>
      <td className="actions">
        <button type="button" onClick={() => setEditing(true)} aria-label={`Edit ${app.name}`}>
          Edit
        </button>
        <Link className="button" to={`/apps/${app.id}/tokens`} aria-label={`Tokens of ${app.name}`}>
          Tokens
        </Link>
        <button type="button" onClick={() => portal.mutate(false)} aria-label={`Portal link for ${app.name}`}>
          Portal link
        </button>
        <ConfirmButton
          label="Delete"
          danger
          question={`Delete the app ${app.name} and all its endpoints?`}
          confirmLabel={`Delete ${app.name}`}
          onConfirm={() => remove.mutate()}
        />
        {portal.data && (
          <p className="portal-link">
            <a href={portal.data.url} target="_blank" rel="noreferrer">
              Open portal
            </a>{' '}
            (until <Time value={portal.data.expiresAt} />) <CopyButton value={portal.data.url} label="Copy link" />
          </p>
        )}
        <FormError error={remove.error?.message ?? portal.error?.message} />
      </td>
    </tr>
  );
}
