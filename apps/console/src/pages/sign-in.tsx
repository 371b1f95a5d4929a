import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, call } from '../api';
import { Field, FormError } from '../components/form';
import { useTitle } from '../components/ui';
import { clearToken, setToken } from '../session';

export function SignInPage() {
  useTitle('Sign in');
  const navigate = useNavigate();
  const queries = useQueryClient();
  const location = useLocation();
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<string | undefined>((location.state as { message?: string } | null)?.message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setToken(token.trim());
    try {
      await call(api.GET('/v1/session'));
      queries.clear();
      void navigate('/', { replace: true });
    } catch {
      clearToken();
      setError('That token is not valid (or has expired).');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Herald console</h1>
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Admin or app token" error={error} hint="Kept in this tab only (sessionStorage); Sign out forgets it.">
          {(control) => (
            <input {...control} type="password" autoComplete="off" required value={token} onChange={(e) => setTokenText(e.target.value)} />
          )}
        </Field>
        <FormError />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
