import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_DIR, generateClient } from '../scripts/generate-client';

// libs/client is generated from the API's own OpenAPI document; a route or schema changed without
// `npm run client` makes the console and every other user of the client drift from the API.
describe('libs/client (the typed client generated from the OpenAPI document)', () => {
  let generated: { document: string; schema: string };

  beforeAll(async () => {
    generated = await generateClient();
  }, 60_000);

  it('is what `npm run client` generates from the current document (run it after changing a route or a schema)', () => {
    expect(readFileSync(join(CLIENT_DIR, 'openapi.json'), 'utf8')).toBe(generated.document);
    expect(readFileSync(join(CLIENT_DIR, 'src', 'schema.ts'), 'utf8')).toBe(generated.schema);
  });

  it('types every route of the document', () => {
    const document = JSON.parse(generated.document) as { paths: Record<string, unknown> };
    for (const path of Object.keys(document.paths)) expect([path, generated.schema.includes(`"${path}": {`)]).toEqual([path, true]);
    expect(generated.schema).toContain('"/v1/apps/{appId}/endpoints": {');
  });
});
