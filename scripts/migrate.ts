// `npm run migrate`: creates the database if missing, runs migrations, provisions streams.
// `npm start` runs the same steps; in Kubernetes it is the chart's migration Job.
import 'reflect-metadata';
import { loadConfig } from '@herald/config';
import { prepareInfrastructure } from '@herald/platform';

// Migrations touch no secret: placeholders satisfy the configuration check. The key's
// fingerprint is recorded (or checked) only when a real HERALD_ENCRYPTION_KEY is given.
const config = loadConfig({
  HERALD_ADMIN_TOKEN: 'migrate-only-placeholder',
  HERALD_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
  ...process.env,
});
prepareInfrastructure({ ...config, encryptionKey: process.env.HERALD_ENCRYPTION_KEY ? config.encryptionKey : undefined }).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
