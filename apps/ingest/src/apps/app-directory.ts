import { Injectable } from '@nestjs/common';
import { AppRepository } from '@herald/persistence';
import { NotFoundProblem, Principal, scopeOf } from '@herald/platform';

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

  /** The app id of `key` if the caller may publish to it; 404 otherwise (also for another app's token). */
  async resolve(key: string, caller: Principal): Promise<string> {
    const appId = await this.lookup(key);
    const scope = scopeOf(caller);
    if (scope !== null && appId !== scope) throw new NotFoundProblem('app');
    return appId;
  }

  private async lookup(key: string): Promise<string> {
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
