// The table of a run (each figure beside its ceiling of the same run, the ratio and the target),
// a met / not met line per target, and bench/results/<time>.json with the machine's versions.
import { connectNats } from '@herald/messaging';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CeilingName, Result, ROOT, Target } from './harness';

export type Ceilings = Partial<Record<CeilingName, number>>;

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  nats: string;
  postgres: string;
}

export async function machine(): Promise<Machine> {
  const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'herald-bench-versions');
  const nats = nc.info?.version ?? 'unknown';
  await nc.close();
  const db = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await db.connect();
  const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
  await db.end();
  return { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, nats, postgres: rows[0].server_version };
}

const number = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : String(value));

function ratio(result: Result, ceilings: Ceilings): number | undefined {
  const ceiling = result.ceiling && ceilings[result.ceiling];
  return ceiling ? Math.round((result.value / ceiling) * 100) / 100 : undefined;
}

function targetText(target: Target): string {
  if ('ratioAtLeast' in target) return `≥ ${target.ratioAtLeast}×`;
  if ('atLeast' in target) return `≥ ${number(target.atLeast)}`;
  return `≤ ${number(target.atMost)}`;
}

function met(result: Result, ceilings: Ceilings): boolean | undefined {
  const { target } = result;
  if (!target) return undefined;
  if ('ratioAtLeast' in target) {
    const r = ratio(result, ceilings);
    return r === undefined ? undefined : r >= target.ratioAtLeast;
  }
  if ('atLeast' in target) return result.value >= target.atLeast;
  return result.value <= target.atMost;
}

export function printTable(results: Result[], ceilings: Ceilings): void {
  console.log('\n| scenario | figure | ceiling | ratio | target | p50 ms | p95 ms | p99 ms | notes |');
  console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |');
  for (const r of results) {
    const ceiling = r.ceiling ? ceilings[r.ceiling] : undefined;
    const x = ratio(r, ceilings);
    console.log(
      `| ${r.scenario} | ${number(r.value)} ${r.unit} | ${ceiling === undefined ? '' : number(ceiling)} | ${x === undefined ? '' : `${x}×`} | ` +
        `${r.target ? targetText(r.target) : ''} | ${r.latencyMs?.p50 ?? ''} | ${r.latencyMs?.p95 ?? ''} | ${r.latencyMs?.p99 ?? ''} | ${r.notes ?? ''} |`,
    );
  }
  console.log('');
  for (const r of results) {
    if (!r.target) continue;
    const verdict = met(r, ceilings);
    const figure = 'ratioAtLeast' in r.target ? `${ratio(r, ceilings) ?? '?'}×` : `${number(r.value)} ${r.unit}`;
    const notDone = 'ratioAtLeast' in r.target && r.target.notDoneBelow !== undefined && (ratio(r, ceilings) ?? 0) < r.target.notDoneBelow;
    const text =
      verdict === undefined ? 'not measured (no ceiling)' : verdict ? 'met' : notDone ? 'not met (below the "not done" bound)' : 'not met';
    console.log(`target ${r.scenario} ${targetText(r.target)}: ${figure} — ${text}`);
  }
}

/** Writes bench/results/<time>.json; returns its path. */
export function writeResults(machineInfo: Machine, ceilings: Ceilings, results: Result[], totalSeconds: number): string {
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const rows = results.map((r) => ({
    ...r,
    ceilingValue: r.ceiling ? ceilings[r.ceiling] : undefined,
    ratio: ratio(r, ceilings),
    met: met(r, ceilings),
  }));
  writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), machine: machineInfo, ceilings, results: rows, totalSeconds }, null, 2),
  );
  return file;
}
