import { Controller, Get } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from './auth.guard';

/** A dependency whose state decides readiness (NATS, PostgreSQL, a consumer). */
export interface ReadinessCheck {
  name: string;
  isReady(): boolean | Promise<boolean>;
}

/** Injection token of the app's ReadinessCheck[] (see readinessChecks()). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Liveness (the process answers) and readiness (its dependencies are up), with @nestjs/terminus. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when every check is up, 503 listing the ones that are down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    const checks = this.moduleRef.get<ReadinessCheck[]>(READINESS_CHECKS, { strict: false });
    return this.health.check(
      checks.map((check) => async () => {
        const indicator = this.indicators.check(check.name);
        const up = await Promise.resolve(check.isReady()).catch(() => false);
        return up ? indicator.up() : indicator.down();
      }),
    );
  }
}
