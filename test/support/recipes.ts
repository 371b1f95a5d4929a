import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DOC = join(__dirname, '..', '..', 'docs', 'receivers.md');

/**
 * The JSON block marked `<!-- recipe: <name> -->` in docs/receivers.md, parsed, with `changes`
 * laid over it (the test's URL, a shorter schedule…): the tests run the documented recipes,
 * so a recipe that stops working fails a test.
 */
export function recipe(name: string, changes: Record<string, unknown> = {}): Record<string, any> {
  const text = readFileSync(DOC, 'utf8');
  const marker = `<!-- recipe: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`docs/receivers.md has no recipe "${name}"`);
  const block = /```json\n([\s\S]*?)\n```/.exec(text.slice(at + marker.length));
  if (!block) throw new Error(`recipe "${name}" has no JSON block`);
  return { ...(JSON.parse(block[1]) as Record<string, any>), ...changes };
}
