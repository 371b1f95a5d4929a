import { verifyWebhook, WebhookScheme, WebhookVerificationError } from '@herald/sdk';
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { CliError } from '../cli-error';

/** One way a request could have been signed, and whether it verifies. */
interface Check {
  scheme: string;
  header: string;
  ok: boolean;
  reason?: string;
}

/** Every scheme Herald sends that the headers could carry, checked with the secret. */
export function checkAll(secret: string, headers: Record<string, string>, body: Buffer, toleranceSeconds: number): Check[] {
  const checks: Check[] = [];
  const attempt = (scheme: WebhookScheme, label: string, header: string) => {
    try {
      verifyWebhook({ scheme, secret, headers, body, toleranceSeconds });
      checks.push({ scheme: label, header, ok: true });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      checks.push({ scheme: label, header, ok: false, reason: error.message });
    }
  };
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (names.includes('webhook-signature')) attempt('standard', 'standard', 'webhook-signature');
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (
      lower.startsWith('webhook-') ||
      ['content-type', 'user-agent', 'content-length', 'host', 'traceparent', 'tracestate'].includes(lower)
    )
      continue;
    // HMAC: hex or base64, after whatever prefix the header carries (`sha256=`, …).
    for (const encoding of ['hex', 'base64'] as const) {
      const digestLength = encoding === 'hex' ? 64 : 44;
      if (value.length < digestLength) continue;
      const prefix = value.slice(0, value.length - digestLength);
      attempt(
        { scheme: 'hmac-sha256', header: name, prefix, encoding },
        `hmac-sha256 (${encoding}${prefix ? `, prefix "${prefix}"` : ''})`,
        name,
      );
    }
    attempt({ scheme: 'shared-secret', header: name }, 'shared-secret', name);
  }
  return checks;
}

function readHeaders(source: string): Record<string, string> {
  const text = existsSync(source) ? readFileSync(source, 'utf8') : source;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError('--headers must be a JSON object of header names to values, or a file holding one');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError('--headers must be a JSON object');
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([name, field]) => [
      name,
      Array.isArray(field) ? field.join(', ') : String(field),
    ]),
  );
}

/** `herald verify --secret <s> --headers <file|json> --body <file>` */
export function verifyCommand(): Command {
  return new Command('verify')
    .description('check a received request with every signature scheme Herald sends')
    .requiredOption('--secret <secret>', "the endpoint's secret")
    .requiredOption('--headers <file|json>', 'the request headers: a JSON object, or a file holding one')
    .requiredOption('--body <file>', 'a file holding the exact body bytes')
    .option('--tolerance <seconds>', 'standard scheme: how old webhook-timestamp may be', '300')
    .option('--json', 'print every check as JSON')
    .action((options: { secret: string; headers: string; body: string; tolerance: string; json?: boolean }) => {
      const headers = readHeaders(options.headers);
      let body: Buffer;
      try {
        body = readFileSync(options.body);
      } catch (error) {
        throw new CliError(`--body: cannot read ${options.body} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const checks = checkAll(options.secret, headers, body, Number(options.tolerance));
      const valid = checks.filter((check) => check.ok);
      if (options.json) process.stdout.write(`${JSON.stringify({ valid: valid.length > 0, checks }, null, 2)}\n`);
      else if (valid.length > 0) for (const check of valid) process.stdout.write(`valid: ${check.scheme} in ${check.header}\n`);
      if (valid.length > 0) return;
      const standard = checks.find((check) => check.scheme === 'standard');
      throw new CliError(
        checks.length === 0
          ? 'invalid: no header carries a signature Herald sends'
          : `invalid: no scheme verifies${standard ? ` (standard: ${standard.reason})` : ''}`,
      );
    });
}
