import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EndpointRepository } from '@herald/persistence';
import { EndpointAnnouncer, OutboxRelay } from '@herald/platform';
import { DataSource } from 'typeorm';

/** At most this many endpoints are re-sealed per start (the rest at the next). */
const BATCH = 10_000;

/**
 * Installs from before secrets were sealed at rest hold plaintext endpoint secrets in
 * PostgreSQL and in their last config message on HERALD_CONFIG. At start-up, every such
 * endpoint is saved again (its columns seal on write) and re-announced (the sealed message
 * replaces the plaintext one: the stream keeps one message per endpoint).
 */
@Injectable()
export class LegacySecretSealer implements OnApplicationBootstrap {
  private readonly logger = new Logger(LegacySecretSealer.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly endpoints: EndpointRepository,
    private readonly announcer: EndpointAnnouncer,
    private readonly relay: OutboxRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.dataSource.query<{ app_id: string; id: string }[]>(
      `SELECT app_id, id FROM endpoints
       WHERE secret NOT LIKE 'hv1:%'
          OR EXISTS (SELECT 1 FROM jsonb_array_elements(previous_secrets) p WHERE p->>'secret' NOT LIKE 'hv1:%')
       LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return;
    for (const row of rows) {
      await this.endpoints.reseal(row.app_id, row.id, (endpoint) => this.announcer.upserted(endpoint));
    }
    await this.relay.flush();
    this.logger.log(`sealed the secrets of ${rows.length} endpoint(s) stored before encryption at rest`);
  }
}
