import { DynamicModule, InjectionToken, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AdminTokenGuard } from './auth.guard';
import { HealthController, READINESS_CHECKS, ReadinessCheck } from './health.controller';
import { ProblemDetailsFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/** How an app builds its readiness checks from its own providers. */
export interface ReadinessOptions {
  inject: InjectionToken[];
  useFactory: (...deps: never[]) => ReadinessCheck[];
}

/** The HTTP pipeline every app shares: auth, validation, problem+json errors, health routes. */
@Module({})
export class PlatformModule {
  static forRoot(readiness: ReadinessOptions): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: READINESS_CHECKS, inject: readiness.inject, useFactory: readiness.useFactory },
        { provide: APP_GUARD, useClass: AdminTokenGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
