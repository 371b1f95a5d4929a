import { createHeraldClient, type Problem, type Schemas } from '@herald/client';
import { getToken } from './session';

export type { Schemas };

/** The typed client of the management API, on the page's own origin. */
export const api = createHeraldClient({ baseUrl: '', token: getToken });

/** A 4xx/5xx answer of the API, with its problem+json body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> & { errors?: { field: string; message: string }[] },
  ) {
    super(problem?.detail ?? `the API answered ${status}`);
  }
}

/** The data of an openapi-fetch call, or an ApiError. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok) throw new ApiError(response.status, error ?? {});
  return data as T;
}

/** The API's messages by field (`url`, `signature.header`, …) of a failed call. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const result: Record<string, string> = {};
  for (const { field, message } of error.problem.errors ?? []) {
    result[field] ??= message;
    const top = field.split(/[./]/)[0];
    result[top] ??= message;
  }
  return result;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** The gateway's feed URL, written into the page by the server. */
export function gatewayUrl(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="herald-gateway"]')?.content || `ws://${location.hostname}:8082/ws`;
}
