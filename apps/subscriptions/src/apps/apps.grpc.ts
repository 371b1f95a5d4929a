import { Injectable } from '@nestjs/common';
import { AdminOnly, FieldMask, PageQueryDto, patchBody, Principal, Rpc, toWire, validateDto } from '@herald/platform';
import { presentApp } from './app.presenter';
import { AppsService } from './apps.service';
import { CreateAppDto, UpdateAppDto } from './dto/app.dto';

type AppRequest = { appId?: string; updateMask?: FieldMask } & Record<string, unknown>;

/** What an update mask empties an app's fields to. */
const CLEARED = { uid: null, metadata: {} };

/** The apps methods of herald.v1.SubscriptionsService: AppsController's steps, over gRPC. */
@Injectable()
export class AppsGrpc {
  constructor(private readonly apps: AppsService) {}

  @Rpc('CreateApp')
  @AdminOnly()
  async create(request: Record<string, unknown>) {
    return toWire(presentApp(await this.apps.create(validateDto(CreateAppDto, request))));
  }

  @Rpc('ListApps')
  @AdminOnly()
  async list(request: Record<string, unknown>) {
    const result = await this.apps.list(validateDto(PageQueryDto, request));
    return toWire({ apps: result.data.map(presentApp), nextCursor: result.nextCursor });
  }

  /** An app token may read its own app. */
  @Rpc('GetApp')
  async get({ appId = '' }: AppRequest, caller: Principal) {
    return toWire(presentApp(await this.apps.get(appId, caller)));
  }

  @Rpc('UpdateApp')
  @AdminOnly()
  async update({ appId = '', updateMask, ...fields }: AppRequest) {
    const dto = validateDto(UpdateAppDto, patchBody(fields, updateMask, CLEARED));
    return toWire(presentApp(await this.apps.update(appId, dto)));
  }

  @Rpc('DeleteApp')
  @AdminOnly()
  async delete({ appId = '' }: AppRequest) {
    await this.apps.delete(appId);
    return {};
  }
}
