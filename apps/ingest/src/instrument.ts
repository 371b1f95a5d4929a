// Imported first by main.ts: tracing starts before anything it instruments is loaded, and this
// app's spans carry its name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES set another.
import { startTelemetry } from '@herald/telemetry/instrument';

startTelemetry('herald-ingest');
