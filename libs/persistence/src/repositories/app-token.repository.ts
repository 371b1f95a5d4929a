import { Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { AppTokenEntity } from '../entities';
import { decodeCursor, Page, PageQuery, toPage, withTotal } from '../pagination';

/** App tokens, always scoped by app; looked up by the hash of the token. */
@Injectable()
export class AppTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(token: AppTokenEntity): Promise<AppTokenEntity> {
    await this.dataSource.getRepository(AppTokenEntity).insert(token);
    return token;
  }

  async list(appId: string, page: PageQuery): Promise<Page<AppTokenEntity>> {
    const rows = await this.dataSource.getRepository(AppTokenEntity).find({
      // Portal sessions are tokens too, but not the admin's to list: they expire on their own.
      where: page.cursor ? { appId, kind: 'token', id: LessThan(decodeCursor(page.cursor)) } : { appId, kind: 'token' },
      order: { id: 'DESC' },
      take: page.limit + 1,
    });
    return withTotal(toPage(rows, page.limit), page, () => this.dataSource.getRepository(AppTokenEntity).countBy({ appId }));
  }

  /** False if the app has no such token. */
  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(AppTokenEntity).delete({ appId, id });
    return Boolean(result.affected);
  }

  /** The token with this hash that has not expired, or null. */
  async findLive(tokenHash: string, now = new Date()): Promise<AppTokenEntity | null> {
    const token = await this.dataSource.getRepository(AppTokenEntity).findOneBy({ tokenHash });
    return token && (!token.expiresAt || token.expiresAt > now) ? token : null;
  }
}
