import { createHeraldClient, HeraldClient } from '@herald/client';
import { CliError } from './cli-error';
import { Settings } from './settings';

/** The typed management client of the settings; a missing token is a clear error. */
export function managementClient(settings: Settings): HeraldClient {
  if (!settings.token) throw new CliError('no token: run `herald login --url <url> --token <token>` or set HERALD_TOKEN');
  const token = settings.token;
  return createHeraldClient({
    baseUrl: settings.url,
    token: () => token,
    fetch: (input, init) => fetchOrExplain(input, init, settings.url),
  });
}

async function fetchOrExplain(input: string | URL | Request, init: RequestInit | undefined, url: string): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`cannot reach Herald at ${url} (${cause})`);
  }
}

/** The data of a client call, or its problem as one line. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  throw problemError(response.status, error);
}

/** One line for an API problem: the status, its detail, and each field's message. */
export function problemError(status: number, problem: unknown): CliError {
  const { title, detail, errors } = (problem ?? {}) as { title?: string; detail?: string; errors?: { field: string; message: string }[] };
  const fields = errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
  const text = [detail || title || 'request failed', fields && fields !== detail ? fields : ''].filter(Boolean).join(' — ');
  return new CliError(`${status} ${text}`);
}
