import { Injectable } from '@nestjs/common';
import { AppRepository } from '@herald/persistence';
import { NotFoundProblem } from '@herald/platform';

const TTL_MS = 30_000;
const MAX_ENTRIES = 100_000;

/**
 * Resolves `{appId}` (id or uid) to an app id. Known apps are cached for a short while so the
 * intake path does not query PostgreSQL per event; unknown keys are always re-checked, so an app
 * created a moment ago is found at once.
 */
@Injectable()
export class AppDirectory {
  private readonly cache = new Map<string, { appId: string; expires: number }>();

  constructor(private readonly apps: AppRepository) {}

  async resolve(key: string): Promise<string> {
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now()) return cached.appId;
    const app = key.length <= 128 ? await this.apps.findByKey(key) : null;
    if (!app) {
      this.cache.delete(key);
      throw new NotFoundProblem('app');
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { appId: app.id, expires: Date.now() + TTL_MS });
    return app.id;
  }
}
