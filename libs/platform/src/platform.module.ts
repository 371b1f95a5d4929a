import { InjectionToken, Module, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { TerminusModule } from '@nestjs/terminus';
import { Authenticator, AuthGuard } from './auth.guard';
import { HealthController, READINESS_CHECKS, ReadinessCheck } from './health.controller';
import { MetricsController } from './metrics.controller';
import { ProblemDetailsFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/** The HTTP pipeline every app shares: auth, validation, problem+json errors, health and metrics routes. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController, MetricsController],
  providers: [
    Authenticator,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
  ],
  exports: [Authenticator],
})
export class PlatformModule {}

/** The provider of an app's readiness checks, built from its own providers; add it to the app module. */
export function readinessChecks<T extends unknown[]>(inject: InjectionToken[], build: (...deps: T) => ReadinessCheck[]): Provider {
  return { provide: READINESS_CHECKS, inject, useFactory: build as (...deps: unknown[]) => ReadinessCheck[] };
}
