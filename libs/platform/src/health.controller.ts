import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ProblemException } from './problem';
import { Public } from './auth.guard';

/** A dependency whose state decides readiness (NATS, PostgreSQL, a consumer). */
export interface ReadinessCheck {
  name: string;
  isReady(): boolean | Promise<boolean>;
}

/** Injection token of the app's ReadinessCheck[] (see readinessChecks()). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly moduleRef: ModuleRef) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'up'> }> {
    const checks = this.moduleRef.get<ReadinessCheck[]>(READINESS_CHECKS, { strict: false });
    const results = await Promise.all(
      checks.map(async (check) => [check.name, await Promise.resolve(check.isReady()).catch(() => false)] as const),
    );
    const down = results.filter(([, up]) => !up).map(([name]) => name);
    if (down.length > 0) {
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'not-ready', `not ready: ${down.join(', ')} down`);
    }
    return { status: 'ok', checks: Object.fromEntries(results.map(([name]) => [name, 'up' as const])) };
  }
}
