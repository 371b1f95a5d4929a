// Imported first by every app's main.ts: starts the OpenTelemetry Node SDK before anything it
// instruments (http, undici, pg, NestJS) is loaded. Off unless the standard OTEL_* variables
// ask for an exporter, so a plain `npm start` pays nothing for it.
import { startTelemetry } from './sdk';

startTelemetry();
