import { INestApplication, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeraldConfig, SecretBox } from '@herald/config';
import { verifyKeyFingerprint } from '@herald/persistence';
import { Logger as PinoLogger } from 'nestjs-pino';
import { json, NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParserProblem, sendProblem } from './problem.filter';
import { inputGuard } from './input-guard';

/**
 * Creates a Nest HTTP app with Herald's JSON body parsing (size-limited, problem+json errors)
 * and its pino logger (the module must import loggingModule()). Every app is built here, so
 * this is where each refuses to start when the data was sealed under another
 * HERALD_ENCRYPTION_KEY (EncryptionKeyMismatchError, before Nest logs or connects anything).
 */
export async function createHttpApp(
  module: Type | object,
  config: HeraldConfig,
  bodyLimitBytes = config.maxPayloadBytes,
  largeBodies?: { path: RegExp; limitBytes: number },
): Promise<INestApplication> {
  await verifyKeyFingerprint(config.databaseUrl, new SecretBox(config.encryptionKey).fingerprint());
  const app = await NestFactory.create(module as Type, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  const type = ['application/json', 'application/*+json'];
  const parse = json({ limit: bodyLimitBytes, type });
  const parseLarge = largeBodies ? json({ limit: largeBodies.limitBytes, type }) : parse;
  app.use((req: Request, res: Response, next: NextFunction) => (largeBodies?.path.test(req.path) ? parseLarge : parse)(req, res, next));
  app.use((error: { status?: number; type?: string; limit?: number }, _req: Request, res: Response, next: NextFunction) => {
    const problem = bodyParserProblem(error);
    if (problem) sendProblem(res, problem);
    else next(error);
  });
  app.use(inputGuard);
  app.enableShutdownHooks();
  return app;
}

/** Listens on 127.0.0.1/0.0.0.0 as configured and logs the URL. */
export async function listen(app: INestApplication, name: string, port: number, host = process.env.HOST ?? '0.0.0.0'): Promise<string> {
  await app.listen(port, host);
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  new Logger(name).log(`listening on ${url}`);
  return url;
}
