import {
  DynamicModule,
  Inject,
  Injectable,
  InjectionToken,
  Module,
  ModuleMetadata,
  OnApplicationShutdown,
  OptionalFactoryDependency,
  Provider,
} from '@nestjs/common';
import { HeraldPublisher, HeraldPublisherOptions } from './publisher';

/** The injection token of the module's options. */
export const HERALD_PUBLISHER_OPTIONS = Symbol('HERALD_PUBLISHER_OPTIONS');

export interface HeraldModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Gets the `inject` providers' values, in order. */
  useFactory: (...args: never[]) => HeraldPublisherOptions | Promise<HeraldPublisherOptions>;
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** Provide the publisher to every module (default false). */
  isGlobal?: boolean;
}

/** Closes the publisher's NATS connection when the application shuts down. */
@Injectable()
class PublisherShutdown implements OnApplicationShutdown {
  constructor(@Inject(HeraldPublisher) private readonly publisher: HeraldPublisher) {}

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}

const publisherProvider: Provider = {
  provide: HeraldPublisher,
  useFactory: (options: HeraldPublisherOptions) => new HeraldPublisher(options),
  inject: [HERALD_PUBLISHER_OPTIONS],
};

/** Provides a HeraldPublisher for injection: `constructor(private readonly herald: HeraldPublisher)`. */
@Module({})
export class HeraldModule {
  static forRoot(options: HeraldPublisherOptions & { isGlobal?: boolean }): DynamicModule {
    const { isGlobal = false, ...publisher } = options;
    return {
      module: HeraldModule,
      global: isGlobal,
      providers: [{ provide: HERALD_PUBLISHER_OPTIONS, useValue: publisher }, publisherProvider, PublisherShutdown],
      exports: [HeraldPublisher],
    };
  }

  static forRootAsync(options: HeraldModuleAsyncOptions): DynamicModule {
    return {
      module: HeraldModule,
      global: options.isGlobal ?? false,
      imports: options.imports ?? [],
      providers: [
        { provide: HERALD_PUBLISHER_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        publisherProvider,
        PublisherShutdown,
      ],
      exports: [HeraldPublisher],
    };
  }
}
