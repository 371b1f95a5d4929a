import { Controller, Get } from '@nestjs/common';
import { Caller, Principal } from '@herald/platform';

/** Who the token is: what the console asks first to choose its pages. */
@Controller('v1/session')
export class SessionController {
  @Get()
  get(@Caller() caller: Principal) {
    if (caller.kind === 'admin') return { kind: 'admin' as const, appId: null, readOnly: false, portal: false };
    return { kind: 'app' as const, appId: caller.appId, readOnly: caller.readOnly === true, portal: caller.portal === true };
  }
}
