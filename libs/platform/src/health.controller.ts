import { Controller, Get, HttpStatus, Inject, Optional } from '@nestjs/common';
import { ProblemException } from './problem';
import { Public } from './auth.guard';

/** A dependency whose state decides readiness (NATS, PostgreSQL, a consumer). */
export interface ReadinessCheck {
  name: string;
  isReady(): boolean | Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@Public()
@Controller('health')
export class HealthController {
  constructor(@Optional() @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[] = []) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'up'> }> {
    const results = await Promise.all(
      this.checks.map(async (check) => [check.name, await Promise.resolve(check.isReady()).catch(() => false)] as const),
    );
    const down = results.filter(([, up]) => !up).map(([name]) => name);
    if (down.length > 0) {
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'not-ready', `not ready: ${down.join(', ')} down`);
    }
    return { status: 'ok', checks: Object.fromEntries(results.map(([name]) => [name, 'up' as const])) };
  }
}
