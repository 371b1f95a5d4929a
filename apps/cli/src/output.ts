import Table from 'cli-table3';
import pc from 'picocolors';

/** Prints a value for scripts (`--json`) or as a table of the given columns. */
export function print(value: unknown, json: boolean, columns?: string[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const list = value as { data?: unknown[]; nextCursor?: string | null };
  if (value && typeof value === 'object' && Array.isArray(list.data)) {
    printRows(list.data as Record<string, unknown>[], columns);
    if (list.nextCursor) process.stdout.write(pc.dim(`more: --cursor ${list.nextCursor}\n`));
    return;
  }
  if (value && typeof value === 'object') {
    const table = new Table();
    for (const [key, field] of Object.entries(value as Record<string, unknown>)) table.push({ [pc.bold(key)]: cell(field) });
    process.stdout.write(`${table.toString()}\n`);
    return;
  }
  process.stdout.write(`${String(value)}\n`);
}

function printRows(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write(pc.dim('(none)\n'));
    return;
  }
  const heads = columns ?? Object.keys(rows[0]).slice(0, 6);
  const table = new Table({ head: heads.map((head) => pc.bold(head)) });
  for (const row of rows) table.push(heads.map((head) => cell(row[head])));
  process.stdout.write(`${table.toString()}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `HH:MM:SS` of a time, for the one-line feeds. */
export function clock(at: Date = new Date()): string {
  return at.toISOString().slice(11, 19);
}

/** A status code coloured by class. */
export function statusText(status: number | null, error?: string | null): string {
  if (status === null) return pc.red(error ?? 'no answer');
  if (status >= 200 && status < 300) return pc.green(String(status));
  return status >= 500 ? pc.red(String(status)) : pc.yellow(String(status));
}
