import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useAppId } from '../../app';
import { api, call, fieldErrors } from '../../api';
import { Field, FormError } from '../../components/form';
import { ConfirmButton, CopyButton, QueryState, Time, usePager, useTitle } from '../../components/ui';

/** An app's tokens: create (shown once, with a copy button), list, revoke. */
export function TokensPage() {
  useTitle('Tokens');
  const appId = useAppId();
  const queries = useQueryClient();
  const pager = usePager();
  const tokens = useQuery({
    queryKey: ['tokens', appId, pager.cursor],
    queryFn: () => call(api.GET('/v1/apps/{appId}/tokens', { params: { path: { appId }, query: { cursor: pager.cursor } } })),
  });
  const [description, setDescription] = useState('');
  const [expires, setExpires] = useState('');
  const create = useMutation({
    mutationFn: () =>
      call(
        api.POST('/v1/apps/{appId}/tokens', {
          params: { path: { appId } },
          body: { description: description || undefined, expiresInSeconds: expires === '' ? undefined : Number(expires) },
        }),
      ),
    onSuccess: () => {
      setDescription('');
      setExpires('');
      void queries.invalidateQueries({ queryKey: ['tokens', appId] });
    },
  });
  const revoke = useMutation({
    mutationFn: (tokenId: string) => call(api.DELETE('/v1/apps/{appId}/tokens/{tokenId}', { params: { path: { appId, tokenId } } })),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ['tokens', appId] }),
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <h1>Tokens</h1>
      <form className="inline" onSubmit={submit} aria-label="New token">
        <Field label="Description" error={errors.description}>
          {(control) => <input {...control} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <Field label="Expires in (seconds, optional)" error={errors.expiresInSeconds}>
          {(control) => <input {...control} inputMode="numeric" value={expires} onChange={(e) => setExpires(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
        <FormError error={create.error && Object.keys(errors).length === 0 ? create.error.message : undefined} />
      </form>
      {create.data && (
        <div className="notice" role="status">
          <p>This token is shown once; only its hash is kept.</p>
          <code className="secret" aria-label="The new token">
            {create.data.token}
          </code>{' '}
          <CopyButton value={create.data.token} label="Copy token" />
        </div>
      )}
      <QueryState error={tokens.error} loading={tokens.isLoading} what="tokens">
        {() => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Tokens</caption>
                <thead>
                  <tr>
                    <th scope="col">Token</th>
                    <th scope="col">Description</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {tokens.data!.data.map((token) => (
                    <tr key={token.id}>
                      <td className="mono">{token.id}</td>
                      <td>{token.description || '—'}</td>
                      <td>
                        <Time value={token.createdAt} />
                      </td>
                      <td>
                        <Time value={token.expiresAt} />
                      </td>
                      <td>
                        <ConfirmButton
                          label="Revoke"
                          danger
                          question={`Revoke ${token.id}? Anything using it stops working within a second.`}
                          confirmLabel="Revoke token"
                          onConfirm={() => revoke.mutate(token.id)}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {tokens.data!.data.length === 0 && <p>No tokens.</p>}
            {pager.controls(tokens.data!.nextCursor)}
          </>
        )}
      </QueryState>
    </>
  );
}
