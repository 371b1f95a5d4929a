// `npm run migrate`: creates the database if missing, runs migrations, provisions streams.
// `npm start` runs the same steps; in Kubernetes it is the chart's migration Job.
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { prepareInfrastructure } from '@herald/platform';

// Migrating needs no admin token; the placeholder only satisfies the shared validation.
prepareInfrastructure(loadConfig({ HERALD_ADMIN_TOKEN: 'migrate-only-placeholder', ...process.env })).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
