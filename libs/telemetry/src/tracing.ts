import { context, Context, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

const tracer = () => trace.getTracer('herald');

/** Reads a header from a plain object or a NATS MsgHdrs-like `get()`. */
type Carrier = Record<string, string | string[] | undefined> | { get(key: string): string };

const getter = {
  keys: (carrier: Carrier) => ('get' in carrier && typeof carrier.get === 'function' ? [] : Object.keys(carrier)),
  get: (carrier: Carrier, key: string) => {
    if ('get' in carrier && typeof carrier.get === 'function') return carrier.get(key) || undefined;
    const value = (carrier as Record<string, string | string[] | undefined>)[key];
    return Array.isArray(value) ? value[0] : value;
  },
};

/** The W3C trace headers (`traceparent`, `tracestate`) of the active context, for a message or request. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context carried by incoming headers (HTTP request headers or JetStream message headers). */
export function contextFrom(carrier: Carrier | undefined): Context {
  return carrier ? propagation.extract(context.active(), carrier, getter) : context.active();
}

/**
 * The parent context for work done for an incoming request: the active span's (when HTTP
 * instrumentation created one) or else the caller's `traceparent`.
 */
export function requestContext(headers: Record<string, string | string[] | undefined>): Context {
  return trace.getSpan(context.active()) ? context.active() : contextFrom(headers);
}

/** Runs `fn` in a new span (child of `parent`), recording an exception and ending the span. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs `fn` with the auto-instrumentations silenced: for a request whose client span and
 * `traceparent` Herald makes itself, which undici's instrumentation would otherwise wrap in a
 * second client span and give a second `traceparent` header.
 */
export function withoutAutoInstrumentation<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}

export { SpanKind };
