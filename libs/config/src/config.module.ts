import { DynamicModule, Global, Module } from '@nestjs/common';
import { HeraldConfig } from './herald-config';
import { SecretBox, useSecretBox } from './secret-box';

/** Injection token of the HeraldConfig object. */
export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

/** Provides one already-validated HeraldConfig to the whole app. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    useSecretBox(new SecretBox(config.encryptionKey));
    return { module: ConfigModule, providers: [{ provide: HERALD_CONFIG, useValue: config }], exports: [HERALD_CONFIG] };
  }
}
