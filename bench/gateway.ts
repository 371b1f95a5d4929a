// The realtime-gateway scenario: BENCH_GATEWAY_CLIENTS WebSocket clients (default 1,000, in a
// child process, bench/gateway-clients.ts) on one gateway, BENCH_GATEWAY_RATE events/s (1,000)
// published through ingest for BENCH_GATEWAY_SECONDS (10), after BENCH_GATEWAY_WARMUP_SECONDS (3)
// of the same rate of events no client subscribed to (so ingest, the gateway's consumers and the
// connections are warm when measuring starts). Measures delivered messages/s, the
// latency from the publisher's send to a client's receive, messages lost by clients that stayed
// connected, and the gateway's RSS and CPU. Then the same with 100 clients for
// BENCH_GATEWAY_LATENCY_SECONDS (20), for the latency. Its ceiling (gatewayCeiling) is a bare
// `ws` server (ceiling-gateway.ts) broadcasting the same frames to the same clients process.
import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ClientsOptions, ClientsReplies, ClientsReply, ClientsRequest } from './gateway-clients';
import type { BroadcastMessage, BroadcastOptions } from './ceiling-gateway';
import { BenchChild } from './child';
import { Bench, percentiles, Result, rssMiB, sleep } from './harness';

/** At most this many receive times are kept (8 bytes each) across all clients. */
const MAX_SAMPLES = 4_000_000;

/** Wall-clock time in ms with sub-ms resolution, the same formula as the clients process. */
const wallClock = () => performance.timeOrigin + performance.now();

/** CPU seconds (user + system) a process has used: fields 14 and 15 of /proc/<pid>/stat, in USER_HZ (100/s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Seconds the main (JavaScript) thread of a process waited for a CPU while runnable: /proc/<pid>/schedstat. */
function runQueueSeconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

/** The clients process, spoken to one request at a time. */
class FeedClients {
  private readonly child: ChildProcess;
  private pending?: { type: string; resolve: (reply: ClientsReply) => void; reject: (error: Error) => void };

  constructor(options: ClientsOptions) {
    this.child = fork(join(__dirname, 'gateway-clients.js'), [JSON.stringify(options)], {
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: ClientsReply) => {
      if (message.type === this.pending?.type) this.pending.resolve(message);
    });
    this.child.on('exit', (code, signal) => this.pending?.reject(new Error(`the clients process exited (${code ?? signal})`)));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  async ask<K extends ClientsRequest['type']>(
    request: Extract<ClientsRequest, { type: K }>,
    timeoutMs: number,
  ): Promise<ClientsReplies[K]> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await new Promise<ClientsReply>((resolve, reject) => {
        this.pending = { type: request.type, resolve, reject };
        timer = setTimeout(() => reject(new Error(`the clients process did not answer "${request.type}" in ${timeoutMs} ms`)), timeoutMs);
        this.child.send(request);
      });
      return reply.reply as ClientsReplies[K];
    } finally {
      clearTimeout(timer);
      this.pending = undefined;
    }
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Receive times are kept for every `stride`-th event, so that at most MAX_SAMPLES are. */
const strideFor = (events: number, clients: number) => Math.max(1, Math.ceil((events * clients) / MAX_SAMPLES));

/** Asks the clients process for progress until every open client has every event, or nothing moved for 10 s (at most 2 min); says which. */
async function waitForFeed(clients: FeedClients, published: number): Promise<string> {
  const deadline = Date.now() + 120_000;
  let last = { delivered: -1, at: Date.now() };
  while (Date.now() < deadline) {
    const progress = await clients.ask({ type: 'progress', published }, 30_000);
    if (progress.behind === 0) return 'every open client had every event';
    if (progress.delivered !== last.delivered) last = { delivered: progress.delivered, at: Date.now() };
    else if (Date.now() - last.at > 10_000) return 'no message for 10 s';
    await sleep(500);
  }
  return 'the 2 min limit, messages still arriving';
}

/** The gateway at BENCH_GATEWAY_CLIENTS clients (messages/s, against the ceiling), then at 100 (p99). */
export async function gatewayScenario(bench: Bench): Promise<Result[]> {
  const rate = env('BENCH_GATEWAY_RATE', 1000);
  const warmup = env('BENCH_GATEWAY_WARMUP_SECONDS', 3);
  const many = await gateway(bench, {
    clients: env('BENCH_GATEWAY_CLIENTS', 1000),
    rate,
    seconds: env('BENCH_GATEWAY_SECONDS', 10),
    warmup,
    idPrefix: 'gw-',
  });
  const few = await gateway(bench, { clients: 100, rate, seconds: env('BENCH_GATEWAY_LATENCY_SECONDS', 20), warmup, idPrefix: 'gwl-' });
  return [
    { ...many, scenario: `gateway, ${many.figures?.clients} clients`, ceiling: 'gateway', target: { ratioAtLeast: 0.5 } },
    { ...few, scenario: 'gateway, 100 clients', value: few.latencyMs?.p99 ?? NaN, unit: 'ms p99', target: { atMost: 100 } },
  ];
}

/** The bare broadcaster, to the same clients process with BENCH_GATEWAY_CLIENTS clients, at the same rate for the same time. */
export async function gatewayCeiling(): Promise<Result> {
  const clientCount = env('BENCH_GATEWAY_CLIENTS', 1000);
  const rate = env('BENCH_GATEWAY_RATE', 1000);
  const seconds = env('BENCH_GATEWAY_SECONDS', 10);
  const options: BroadcastOptions = { idPrefix: 'gw-', eventType: 'bench.gateway' };
  const server = new BenchChild<BroadcastMessage>('ceiling-gateway', options);
  let clients: FeedClients | undefined;
  try {
    const { port } = await server.next('listening', 30_000);
    const events = rate * seconds;
    clients = new FeedClients({
      url: `ws://127.0.0.1:${port}/`,
      clients: clientCount,
      events,
      idPrefix: 'gw-',
      stride: strideFor(events, clientCount),
    });
    const connected = await clients.ask({ type: 'connect' }, 120_000);
    if (connected.open === 0) throw new Error(`no client connected: ${connected.firstError}`);
    server.send({ type: 'publish', rate, seconds });
    const { started, sentAt } = await server.next('published', seconds * 1000 + 60_000);
    const waitEnded = await waitForFeed(clients, sentAt.length);
    const report = await clients.ask({ type: 'report', sentAt }, 60_000);
    const span = (report.lastArrival - started) / 1000;
    return {
      scenario: 'ceiling: WebSocket broadcast',
      value: Math.round(report.delivered / span),
      unit: 'messages/s',
      events: sentAt.length,
      deliveries: report.delivered,
      seconds: Math.round(span * 10) / 10,
      latencyMs: report.latencyMs ?? undefined,
      notes: `bare ws server in a child process, the gateway's frames, ${connected.open} clients, ${rate} events/s for ${seconds} s; ${report.lost} not received (wait ended at: ${waitEnded})`,
    };
  } finally {
    clients?.stop();
    await server.stop();
  }
}

interface GatewayRun {
  clients: number;
  rate: number;
  seconds: number;
  warmup: number;
  /** Event ids of this run (JetStream de-duplicates ids across runs on one Herald). */
  idPrefix: string;
}

async function gateway(bench: Bench, run: GatewayRun): Promise<Result> {
  const { clients: clientCount, rate, seconds, warmup, idPrefix } = run;
  const maxEvents = rate * seconds;
  const stride = strideFor(maxEvents, clientCount);
  const appId = await bench.app(`gateway-${clientCount}`);
  const gatewayPid = bench.pid('realtime-gateway');
  const idleRss = rssMiB(gatewayPid);
  const clients = new FeedClients({ url: bench.feedUrl, clients: clientCount, events: maxEvents, idPrefix, stride });
  let peakRss = idleRss;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, rssMiB(gatewayPid));
    } catch {
      // The gateway exited; the clients' close codes and losses will say so.
    }
  }, 250);
  try {
    const connected = await clients.ask({ type: 'connect' }, 120_000);
    if (connected.open === 0) throw new Error(`no client connected: ${connected.firstError}`);
    const connectedRss = rssMiB(gatewayPid);
    const cpuBefore = { gateway: cpuSeconds(gatewayPid), clients: cpuSeconds(clients.pid), waiting: runQueueSeconds(gatewayPid) };
    const loadBefore = loadavg()[0];
    await warmUp(bench, appId, rate, warmup, idPrefix);
    const sentAt: number[] = [];
    const inFlight: Promise<void>[] = [];
    const ingestMs: number[] = [];
    const started = wallClock();
    // Open loop, as in `steady`: every 10 ms, send what the schedule says is due.
    while (wallClock() - started < seconds * 1000) {
      const due = Math.floor(((wallClock() - started) / 1000) * rate);
      while (sentAt.length < due) {
        const id = `${idPrefix}${sentAt.length}`;
        const sent = wallClock();
        sentAt.push(sent);
        inFlight.push(bench.publish(appId, id, 'bench.gateway').then(() => void ingestMs.push(wallClock() - sent)));
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    const waitEnded = await waitForFeed(clients, sentAt.length);
    const cpu = {
      gateway: cpuSeconds(gatewayPid) - cpuBefore.gateway,
      clients: cpuSeconds(clients.pid) - cpuBefore.clients,
      waiting: runQueueSeconds(gatewayPid) - cpuBefore.waiting,
      window: (wallClock() - started) / 1000,
    };
    const report = await clients.ask({ type: 'report', sentAt }, 60_000);
    if (report.delivered === 0) throw new Error('no client received an event');
    const span = (report.lastArrival - started) / 1000;
    const ingest = percentiles(ingestMs);
    const closed = Object.entries(report.closed).map(([code, count]) => `${count} with ${code}`);
    const percent = (used: number) => Math.round((used / cpu.window) * 100);
    return {
      scenario: 'gateway',
      events: sentAt.length,
      deliveries: report.delivered,
      seconds: Math.round(span * 10) / 10,
      value: Math.round(report.delivered / span),
      unit: 'messages/s',
      latencyMs: report.latencyMs ?? undefined,
      notes:
        `${clientCount} clients (${connected.failed} failed to connect), ${rate} events/s offered for ${seconds} s after a ${warmup} s warm-up; ` +
        `${sentAt.length * connected.open} messages expected, ${report.lost} not received by the ${report.open} clients that stayed open ` +
        `(the wait after publishing ended at: ${waitEnded}), ` +
        `${report.duplicates} duplicates; clients closed: ${closed.length > 0 ? closed.join(', ') : 'none'}; ` +
        `gateway RSS ${idleRss} MiB idle, ${connectedRss} MiB with the clients, ${peakRss} MiB peak; ` +
        `CPU over the run: gateway ${percent(cpu.gateway)}%, clients process ${percent(cpu.clients)}% of a core, ` +
        `gateway's main thread waiting for a CPU ${percent(cpu.waiting)}% of the time; load average ${loadBefore.toFixed(1)} before publishing; ` +
        `ingest answered 202 in p50 ${ingest.p50} / p95 ${ingest.p95} / p99 ${ingest.p99} ms; ` +
        `from ingest's timestamp to a client's receive: p50 ${report.sinceIngestMs?.p50} / p95 ${report.sinceIngestMs?.p95} / p99 ${report.sinceIngestMs?.p99} ms; ` +
        `latency from the publisher's send to a client's receive (performance.timeOrigin + performance.now() in both processes), ` +
        `every ${stride === 1 ? '' : `${stride}th `}event at every client (${report.samples} samples)`,
      figures: {
        clients: clientCount,
        clientsConnected: connected.open,
        clientsOpenAtEnd: report.open,
        rate,
        messagesExpected: sentAt.length * connected.open,
        notReceived: report.lost,
        duplicates: report.duplicates,
        gatewayRssIdleMiB: idleRss,
        gatewayRssConnectedMiB: connectedRss,
        gatewayRssPeakMiB: peakRss,
        gatewayCpuPercent: percent(cpu.gateway),
        clientsCpuPercent: percent(cpu.clients),
        gatewayRunQueuePercent: percent(cpu.waiting),
        loadAverageBefore: Math.round(loadBefore * 10) / 10,
        latencySamples: report.samples,
        ingestP50Ms: ingest.p50,
        ingestP95Ms: ingest.p95,
        ingestP99Ms: ingest.p99,
        sinceIngestP50Ms: report.sinceIngestMs?.p50 ?? NaN,
        sinceIngestP95Ms: report.sinceIngestMs?.p95 ?? NaN,
        sinceIngestP99Ms: report.sinceIngestMs?.p99 ?? NaN,
      },
    };
  } finally {
    clearInterval(sampler);
    clients.stop();
  }
}

/** Publishes `rate` events/s of a type the clients did not subscribe to, for `seconds`, unmeasured. */
async function warmUp(bench: Bench, appId: string, rate: number, seconds: number, idPrefix: string): Promise<void> {
  const started = wallClock();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (wallClock() - started < seconds * 1000) {
    const due = Math.floor(((wallClock() - started) / 1000) * rate);
    while (sent < due) inFlight.push(bench.publish(appId, `${idPrefix}warmup-${sent++}`, 'warmup.gateway'));
    await sleep(10);
  }
  await Promise.all(inFlight);
}
