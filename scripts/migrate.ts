// `npm run migrate`: creates the database if missing, runs migrations, provisions streams.
// `npm start` runs the same steps; in Kubernetes it is the chart's migration Job.
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { prepareInfrastructure } from '@herald/platform';

// Migrating needs no admin token; the placeholder only satisfies the shared validation.
prepareInfrastructure(
  loadConfig({
    // Migrations touch no secret: placeholders satisfy the configuration check.
    HERALD_ADMIN_TOKEN: 'migrate-only-placeholder',
    HERALD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
    ...process.env,
  }),
).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
