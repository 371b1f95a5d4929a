import { Injectable } from '@nestjs/common';
import { IdPrefix, newId } from '@herald/contracts';
import { AppEntity, AppRepository, Page, PageQuery, UniqueViolationError } from '@herald/persistence';
import { ADMIN, ConflictProblem, NotFoundProblem, Principal, scopeOf } from '@herald/platform';
import { EndpointAnnouncer } from '@herald/platform';
import { OutboxRelay } from '@herald/platform';
import { CreateAppDto, UpdateAppDto } from './dto/app.dto';

@Injectable()
export class AppsService {
  constructor(
    private readonly apps: AppRepository,
    private readonly announcer: EndpointAnnouncer,
    private readonly relay: OutboxRelay,
  ) {}

  async create(dto: CreateAppDto): Promise<AppEntity> {
    const now = new Date();
    const app = Object.assign(new AppEntity(), {
      id: newId(IdPrefix.app),
      uid: dto.uid ?? null,
      name: dto.name,
      metadata: dto.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    });
    return this.apps.insert(app).catch(uidConflict);
  }

  /** The app with this id or uid that the caller may see; 404 otherwise. */
  async get(key: string, caller: Principal): Promise<AppEntity> {
    const app = key.length <= 128 ? await this.apps.findByKey(key, scopeOf(caller)) : null;
    if (!app) throw new NotFoundProblem('app');
    return app;
  }

  list(page: PageQuery): Promise<Page<AppEntity>> {
    return this.apps.list(page);
  }

  async update(key: string, dto: UpdateAppDto): Promise<AppEntity> {
    const app = await this.get(key, ADMIN); // admin-only operations
    if (dto.name !== undefined) app.name = dto.name;
    if (dto.uid !== undefined) app.uid = dto.uid;
    if (dto.metadata !== undefined) app.metadata = dto.metadata;
    app.updatedAt = new Date();
    return this.apps.update(app).catch(uidConflict);
  }

  async delete(key: string): Promise<void> {
    const app = await this.get(key, ADMIN); // admin-only operations
    await this.apps.delete(app.id, (endpoint) => this.announcer.deleted(endpoint));
    await this.relay.flush();
  }
}

function uidConflict(error: unknown): never {
  if (error instanceof UniqueViolationError) throw new ConflictProblem('uid is already used by another app', 'uid');
  throw error;
}
