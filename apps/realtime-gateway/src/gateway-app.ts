import { INestApplication } from '@nestjs/common';
import { HeraldConfig } from '@herald/config';
import { createHttpApp } from '@herald/platform';
import { WsAdapter } from '@nestjs/platform-ws';
import { parseClientMessage } from './feed/client-message';
import { GatewayModule } from './gateway.module';

/** The gateway app: HTTP for health, `/ws` on the same port, client frames as `{type, …}`. */
export async function createGatewayApp(config: HeraldConfig): Promise<INestApplication> {
  const app = await createHttpApp(GatewayModule.register(config), config, 16 * 1024);
  app.useWebSocketAdapter(
    new WsAdapter(app, {
      messageParser: (data) => {
        const message = parseClientMessage(data);
        return { event: message.type, data: message };
      },
    }),
  );
  return app;
}
