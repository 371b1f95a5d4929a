// The delivery-engine scenarios of issue 17, each on a private Herald (harness.ts). Each returns
// its headline figures with the ceiling they are divided by and their target (report.ts).
import { EventMessage, Names } from '@herald/contracts';
import { connectNats } from '@herald/messaging';
import { jetstream } from '@nats-io/jetstream';
import { round1, timed } from './ceilings';
import { AppName, Bench, CpuMeter, cpuNote, percentiles, Result, sleep } from './harness';
import { closedLoop, latencies, openLoop, PAYLOAD, waitForArrivals } from './load';
import { BenchReceiver } from './receiver';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const rss = (bench: Bench) => Object.fromEntries(Object.entries(bench.rss()).map(([app, mib]) => [`rss ${app} MiB`, mib]));
const cpuFigures = (cpu: Record<string, number>) => Object.fromEntries(Object.entries(cpu).map(([label, ms]) => [`cpu ms ${label}`, ms]));
const rssNote = (bench: Bench) =>
  Object.entries(bench.rss())
    .map(([app, mib]) => `${app} ${mib}`)
    .join(', ');

/**
 * One endpoint on a fresh receiver, for `eventType`, allowing 64 requests in flight: the bare
 * delivery loop it is compared with keeps 64 in flight too (the API's default is 16).
 */
async function oneEndpoint(bench: Bench, name: string, eventType: string): Promise<{ appId: string; receiver: BenchReceiver }> {
  const receiver = await new BenchReceiver('ok').start();
  const appId = await bench.app(name);
  await bench.endpoints(appId, [{ url: receiver.url(name), eventTypes: [eventType], maxConcurrency: 64 }]);
  return { appId, receiver };
}

export async function throughput(bench: Bench): Promise<Result[]> {
  const count = env('BENCH_THROUGHPUT_EVENTS', 50_000);
  const { appId, receiver } = await oneEndpoint(bench, 'throughput', 'bench.throughput');
  try {
    const meter = new CpuMeter(bench.pids(), bench.database);
    const started = performance.now();
    const sent = await closedLoop(bench.ingest, appId, { count, eventType: 'bench.throughput', prefix: 'tp', maxSeconds: 180 });
    const ingestSeconds = (performance.now() - started) / 1000;
    await waitForArrivals(receiver, sent.size, 120_000);
    const seconds = (receiver.lastArrival() - started) / 1000;
    const cpu = meter.perUnit(receiver.arrivals.size);
    return [
      {
        scenario: 'throughput',
        value: Math.round(receiver.arrivals.size / seconds),
        unit: 'deliveries/s',
        ceiling: 'delivery',
        target: { ratioAtLeast: 0.5, notDoneBelow: 0.3 },
        events: sent.size,
        deliveries: receiver.arrivals.size,
        seconds: round1(seconds),
        latencyMs: percentiles(latencies(sent, receiver.arrivals)),
        notes: `ingest accepted ${Math.round(sent.size / ingestSeconds)} events/s; ${sent.size - receiver.arrivals.size} missing; RSS MiB after: ${rssNote(bench)}; ${cpuNote(cpu, 'delivery')}`,
        figures: { ingestEventsPerSecond: Math.round(sent.size / ingestSeconds), ...rss(bench), ...cpuFigures(cpu) },
      },
    ];
  } finally {
    await receiver.stop();
  }
}

/** Appends `count` events to the namespace's HERALD_EVENTS as ingest's store() does, 256 in flight. */
async function appendEvents(bench: Bench, appId: string, eventType: string, count: number): Promise<void> {
  const nc = await connectNats(bench.config.natsUrl, 'herald-bench-drain');
  try {
    const js = jetstream(nc);
    const names = new Names(bench.config.natsNamespace);
    let next = 0;
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        while (next < count) {
          const createdAt = new Date().toISOString();
          const event: EventMessage = {
            id: `dr-${next++}`,
            appId,
            eventType,
            channels: null,
            occurredAt: createdAt,
            createdAt,
            payload: PAYLOAD,
          };
          await js.publish(names.event(appId, eventType), JSON.stringify(event), { msgID: `${appId}:${event.id}` });
        }
      }),
    );
  } finally {
    await nc.close();
  }
}

export async function drain(bench: Bench): Promise<Result[]> {
  const count = env('BENCH_DRAIN_EVENTS', 50_000);
  const { appId, receiver } = await oneEndpoint(bench, 'drain', 'bench.drain');
  try {
    await appendEvents(bench, appId, 'bench.drain', count);
    const spawned = performance.now();
    await bench.startApp('dispatcher');
    // From readiness (its consumers are reading), as the bare loop is timed from its first consume.
    const started = performance.now();
    const meter = new CpuMeter(bench.pids(), bench.database);
    const readyAfter = (started - spawned) / 1000;
    await waitForArrivals(receiver, count, 180_000);
    const seconds = (receiver.lastArrival() - started) / 1000;
    const cpu = meter.perUnit(receiver.arrivals.size);
    return [
      {
        scenario: 'drain',
        value: Math.round(receiver.arrivals.size / seconds),
        unit: 'deliveries/s',
        ceiling: 'delivery',
        target: { ratioAtLeast: 0.7 },
        events: count,
        deliveries: receiver.arrivals.size,
        seconds: round1(seconds),
        notes: `${count} events in HERALD_EVENTS before the dispatcher started; timed from its readiness (${round1(readyAfter)} s after its start) to the last arrival; ${count - receiver.arrivals.size} missing; ${cpuNote(cpu, 'delivery')}`,
        figures: cpuFigures(cpu),
      },
    ];
  } finally {
    await receiver.stop();
  }
}

/** Ingest alone (the dispatcher is not started): single-event POSTs, then batches. */
export async function ingest(bench: Bench): Promise<Result[]> {
  const count = env('BENCH_INGEST_EVENTS', 20_000);
  const batchEvents = env('BENCH_INGEST_BATCH_EVENTS', 50_000);
  const batch = env('BENCH_INGEST_BATCH_SIZE', 100);
  const appId = await bench.app('ingest');
  const single = await timed(() => closedLoop(bench.ingest, appId, { count, eventType: 'bench.ingest', prefix: 'in', maxSeconds: 120 }));
  const batched = await timed(() =>
    closedLoop(bench.ingest, appId, {
      count: batchEvents,
      eventType: 'bench.ingest',
      prefix: 'inb',
      batch,
      concurrency: 16,
      maxSeconds: 120,
    }),
  );
  return [
    {
      scenario: 'ingest',
      value: Math.round(single.result.size / single.seconds),
      unit: 'events/s',
      ceiling: 'ingest',
      target: { ratioAtLeast: 0.5 },
      events: single.result.size,
      seconds: round1(single.seconds),
      notes: 'single-event POSTs, 64 in flight, caller ids, dispatcher not running',
    },
    {
      scenario: 'ingest, batches',
      value: Math.round(batched.result.size / batched.seconds),
      unit: 'events/s',
      ceiling: 'ingestBatch',
      target: { atLeast: 20_000 },
      events: batched.result.size,
      seconds: round1(batched.seconds),
      notes: `batches of ${batch}, 16 in flight`,
    },
  ];
}

/** `rate` events/s for `seconds` to the receiver's endpoint; latency from the ingest request to the arrival. */
async function steadyAt(bench: Bench, appId: string, receiver: BenchReceiver, rate: number, seconds: number, prefix: string) {
  const before = receiver.arrivals.size;
  const { sent, acceptedMs } = await openLoop(bench.ingest, appId, { rate, seconds, eventType: 'bench.steady', prefix });
  await waitForArrivals(receiver, before + sent.size, 30_000);
  const arrived = receiver.arrivals.size - before;
  return { sent: sent.size, arrived, latencyMs: percentiles(latencies(sent, receiver.arrivals)), acceptedMs: percentiles(acceptedMs) };
}

/**
 * Seconds of load at the measured rate before a latency scenario measures, as the gateway's
 * scenario has: freshly started apps compile their code paths and open their connections in the
 * first seconds (p99 over 400 ms then, 15–30 ms after), which is start-up, not steady state.
 */
const WARM_UP_SECONDS = env('BENCH_WARMUP_SECONDS', 5);

export async function steady(bench: Bench): Promise<Result[]> {
  const rate = 1000;
  const seconds = env('BENCH_STEADY_SECONDS', 60);
  const { appId, receiver } = await oneEndpoint(bench, 'steady', 'bench.steady');
  try {
    await steadyAt(bench, appId, receiver, rate, WARM_UP_SECONDS, 'warm');
    const run = await steadyAt(bench, appId, receiver, rate, seconds, 'st');
    const rssAfter = rss(bench);
    const search = await highestRate(bench, appId, receiver, run.arrived === run.sent && run.latencyMs.p99 <= 100);
    return [
      {
        scenario: 'steady',
        value: run.latencyMs.p99,
        unit: 'ms p99',
        target: { atMost: 50 },
        events: run.sent,
        deliveries: run.arrived,
        seconds,
        latencyMs: run.latencyMs,
        notes: `${rate} events/s offered for ${seconds} s after a ${WARM_UP_SECONDS} s warm-up at that rate; ${run.sent - run.arrived} missing; ingest's 202 p50/p95/p99 ${run.acceptedMs.p50}/${run.acceptedMs.p95}/${run.acceptedMs.p99} ms; RSS MiB after: ${rssNote(bench)}`,
        figures: { ...rssAfter, acceptedP99Ms: run.acceptedMs.p99 },
      },
      {
        scenario: 'steady, highest rate with p99 ≤ 100 ms',
        value: search.best,
        unit: 'events/s',
        notes: search.steps.map((s) => `${s.rate}/s → p99 ${s.p99} ms${s.missing ? `, ${s.missing} missing` : ''}`).join('; '),
        figures: { steps: search.steps.length },
      },
    ];
  } finally {
    await receiver.stop();
  }
}

/**
 * The highest rate whose p99 stays ≤ 100 ms: steps of BENCH_SEARCH_STEP_SECONDS (10 s), doubling
 * from 1,000 events/s while they pass (halving while they fail), then bisecting, within
 * BENCH_SEARCH_SECONDS (120 s) of steps. 1,000 events/s is known to pass or fail from `steady`.
 */
async function highestRate(bench: Bench, appId: string, receiver: BenchReceiver, thousandPasses: boolean) {
  const stepSeconds = env('BENCH_SEARCH_STEP_SECONDS', 10);
  const budget = performance.now() + env('BENCH_SEARCH_SECONDS', 120) * 1000;
  const steps: { rate: number; p99: number; missing: number }[] = [];
  let best = thousandPasses ? 1000 : 0;
  let failing = thousandPasses ? Infinity : 1000;
  const passes = async (rate: number) => {
    const run = await steadyAt(bench, appId, receiver, rate, stepSeconds, `search${steps.length}`);
    steps.push({ rate, p99: run.latencyMs.p99, missing: run.sent - run.arrived });
    return run.arrived === run.sent && run.latencyMs.p99 <= 100;
  };
  while (performance.now() + stepSeconds * 1000 < budget) {
    const rate = failing === Infinity ? best * 2 : best === 0 ? Math.floor(failing / 2) : Math.round((best + failing) / 2);
    if (rate < 50 || (failing !== Infinity && failing - best <= Math.max(50, best * 0.1))) break;
    if (await passes(rate)) best = rate;
    else {
      failing = rate;
      await sleep(2000); // lets what a failing step queued drain before the next one
    }
  }
  return { best, steps };
}

export async function fanout(bench: Bench): Promise<Result[]> {
  const receiver = await new BenchReceiver('ok').start();
  try {
    const appId = await bench.app('fanout');
    const registered = 5000;
    const matching = 50;
    const bodies = Array.from({ length: registered }, (_, n) =>
      n < matching
        ? { url: receiver.url(`f${n}`), eventTypes: ['bench.fanout'] }
        : { url: receiver.url(`other${n}`), eventTypes: [`bench.other${n}.*`] },
    );
    await bench.endpoints(appId, bodies);
    const events = 1000;
    const meter = new CpuMeter(bench.pids(), bench.database);
    const started = performance.now();
    const sent = await closedLoop(bench.ingest, appId, { count: events, eventType: 'bench.fanout', prefix: 'fo', concurrency: 32 });
    await waitForArrivals(receiver, events * matching, 180_000);
    const seconds = (receiver.lastArrival() - started) / 1000;
    const cpu = meter.perUnit(receiver.arrivals.size);
    return [
      {
        scenario: 'fan-out',
        value: Math.round(receiver.arrivals.size / seconds),
        unit: 'deliveries/s',
        ceiling: 'delivery',
        target: { ratioAtLeast: 0.5 },
        events,
        deliveries: receiver.arrivals.size,
        seconds: round1(seconds),
        latencyMs: percentiles(latencies(sent, receiver.arrivals)),
        notes: `${matching} matching of ${registered} endpoints; ${events * matching - receiver.arrivals.size} missing; ${cpuNote(cpu, 'delivery')}`,
        figures: cpuFigures(cpu),
      },
    ];
  } finally {
    await receiver.stop();
  }
}

export async function isolation(bench: Bench): Promise<Result[]> {
  const healthy = await new BenchReceiver('ok').start();
  const failing = await new BenchReceiver('error').start();
  const hanging = await new BenchReceiver('hang').start();
  try {
    const appId = await bench.app('isolation');
    const bodies = [
      ...Array.from({ length: 100 }, (_, n) => ({ url: healthy.url(`h${n}`), eventTypes: ['bench.isolation'] })),
      ...Array.from({ length: 50 }, (_, n) => ({ url: failing.url(`e${n}`), eventTypes: ['bench.isolation'] })),
      ...Array.from({ length: 50 }, (_, n) => ({ url: hanging.url(`t${n}`), eventTypes: ['bench.isolation'], timeoutMs: 1000 })),
    ];
    await bench.endpoints(appId, bodies);
    const events = env('BENCH_ISOLATION_EVENTS', 150);
    // The same pattern first: the bad endpoints' circuits open, as they would have long before.
    const warm = await openLoop(bench.ingest, appId, { rate: 5, seconds: WARM_UP_SECONDS, eventType: 'bench.isolation', prefix: 'warm' });
    await waitForArrivals(healthy, warm.sent.size * 100, 60_000);
    const warmArrivals = healthy.arrivals.size;
    const started = performance.now();
    // 5 events/s for 30 s: 1,000 deliveries/s offered, half of them to healthy endpoints, within
    // what this machine sustains, so the healthy latency shows the effect of the bad endpoints.
    const { sent } = await openLoop(bench.ingest, appId, { rate: 5, seconds: events / 5, eventType: 'bench.isolation', prefix: 'iso' });
    await waitForArrivals(healthy, warmArrivals + sent.size * 100, 120_000);
    const seconds = (healthy.lastArrival() - started) / 1000;
    const counts = await bench.deliveryCounts(appId);
    const total = warm.sent.size + sent.size;
    const lost = total * 200 - counts.total + (total * 100 - healthy.arrivals.size);
    const latencyMs = percentiles(latencies(sent, healthy.arrivals));
    return [
      {
        scenario: 'isolation',
        value: latencyMs.p99,
        unit: 'ms p99',
        target: { atMost: 100 },
        events: sent.size,
        deliveries: healthy.arrivals.size - warmArrivals,
        seconds: round1(seconds),
        latencyMs,
        notes: `healthy endpoints only, after a ${WARM_UP_SECONDS} s warm-up of the same load; ${counts.total} delivery records of ${total * 200}; lost ${lost}; bad endpoints attempted ${failing.count + hanging.count} times`,
        figures: { lost },
      },
    ];
  } finally {
    await Promise.all([healthy.stop(), failing.stop(), hanging.stop()]);
  }
}

/** Every scenario: its name (for BENCH_ONLY), the apps it starts with, and the ceiling it needs. */
export const SCENARIOS: { name: string; apps?: AppName[]; run: (bench: Bench) => Promise<Result[]> }[] = [
  { name: 'throughput', run: throughput },
  { name: 'drain', apps: ['subscriptions', 'ingest'], run: drain },
  { name: 'ingest', apps: ['subscriptions', 'ingest'], run: ingest },
  { name: 'steady', run: steady },
  { name: 'fan-out', run: fanout },
  { name: 'isolation', run: isolation },
];
