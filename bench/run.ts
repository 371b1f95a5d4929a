// `npm run bench`: measures the ceilings (ceilings.ts: the bare delivery, ingest and WebSocket
// loops) and then the scenarios of the delivery-engine issue (scenarios.ts) and the realtime
// gateway (gateway.ts), each on a private Herald (its own database and NATS namespace on the
// local PostgreSQL and NATS, the four apps as separate processes). Prints each figure beside
// its ceiling and writes bench/results/<time>.json. Not part of `npm test`.
// BENCH_ONLY=<scenario>,… runs some (and the ceilings they need).
import { deliveryCeiling, ingestCeilings } from './ceilings';
import { gatewayCeiling, gatewayScenario } from './gateway';
import { Bench, CeilingName, Result } from './harness';
import { Ceilings, machine, printTable, writeResults } from './report';
import { SCENARIOS } from './scenarios';

const only = process.env.BENCH_ONLY?.split(',');
const selected = (name: string) => !only || only.includes(name);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const ALL = [...SCENARIOS, { name: 'gateway', apps: undefined, run: gatewayScenario }];

/** Which ceiling each scenario is divided by. */
const NEEDS: Record<string, CeilingName[]> = {
  throughput: ['delivery'],
  drain: ['delivery'],
  'fan-out': ['delivery'],
  ingest: ['ingest', 'ingestBatch'],
  gateway: ['gateway'],
};

async function measureCeilings(): Promise<{ ceilings: Ceilings; results: Result[] }> {
  const needed = new Set(ALL.filter((s) => selected(s.name)).flatMap((s) => NEEDS[s.name] ?? []));
  const ceilings: Ceilings = {};
  const results: Result[] = [];
  if (needed.has('delivery')) {
    console.log('bench: ceiling, delivery loop…');
    const result = await deliveryCeiling(env('BENCH_CEILING_EVENTS', env('BENCH_THROUGHPUT_EVENTS', 50_000)));
    ceilings.delivery = result.value;
    results.push(result);
  }
  if (needed.has('ingest')) {
    console.log('bench: ceiling, ingest loop…');
    const [single, batched] = await ingestCeilings(
      env('BENCH_INGEST_EVENTS', 20_000),
      env('BENCH_INGEST_BATCH_EVENTS', 50_000),
      env('BENCH_INGEST_BATCH_SIZE', 100),
    );
    ceilings.ingest = single.value;
    ceilings.ingestBatch = batched.value;
    results.push(single, batched);
  }
  if (needed.has('gateway')) {
    console.log('bench: ceiling, WebSocket broadcast…');
    const result = await gatewayCeiling();
    ceilings.gateway = result.value;
    results.push(result);
  }
  return { ceilings, results };
}

async function main(): Promise<void> {
  const started = performance.now();
  const machineInfo = await machine();
  const { ceilings, results } = await measureCeilings();
  for (const scenario of ALL) {
    if (!selected(scenario.name)) continue;
    const bench = new Bench();
    try {
      console.log(`bench: ${scenario.name}…`);
      await bench.start(scenario.apps);
      results.push(...(await scenario.run(bench)));
    } finally {
      await bench.stop();
    }
  }
  const totalSeconds = Math.round((performance.now() - started) / 1000);
  console.log(
    `\n${machineInfo.cores} cores (${machineInfo.cpuModel}), Node ${machineInfo.node}, NATS ${machineInfo.nats}, PostgreSQL ${machineInfo.postgres}`,
  );
  printTable(results, ceilings);
  const file = writeResults(machineInfo, ceilings, results, totalSeconds);
  console.log(`\nwritten to ${file}; the run took ${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
