// What each app's instrument.ts loads before anything else: the SDK start-up alone, not the rest
// of @herald/telemetry (metrics, the Nest module), so nothing the SDK instruments (http, undici,
// pg, NestJS) is loaded before it. Off unless the standard OTEL_* variables ask for an
// exporter, so a plain `npm start` pays nothing for it.
export { startTelemetry } from './sdk';
