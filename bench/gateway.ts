// The realtime-gateway scenario: BENCH_GATEWAY_CLIENTS WebSocket clients (default 1,000, in a
// child process, bench/gateway-clients.ts) on one gateway, BENCH_GATEWAY_RATE events/s (1,000)
// published through ingest for BENCH_GATEWAY_SECONDS (30), after BENCH_GATEWAY_WARMUP_SECONDS (3)
// of the same rate of events no client subscribed to (so ingest, the gateway's consumers and the
// connections are warm when measuring starts). Measures delivered messages/s, the
// latency from the publisher's send to a client's receive, messages lost by clients that stayed
// connected, and the gateway's RSS and CPU.
import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ClientsOptions, ClientsReplies, ClientsReply, ClientsRequest } from './gateway-clients';
import { Bench, percentiles, Result, sleep } from './harness';

/** At most this many receive times are kept (8 bytes each) across all clients. */
const MAX_SAMPLES = 4_000_000;

/** Wall-clock time in ms with sub-ms resolution, the same formula as the clients process. */
const wallClock = () => performance.timeOrigin + performance.now();

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

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

export async function gateway(bench: Bench): Promise<Result> {
  const clientCount = Number(process.env.BENCH_GATEWAY_CLIENTS ?? 1000);
  const rate = Number(process.env.BENCH_GATEWAY_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_GATEWAY_SECONDS ?? 30);
  const warmup = Number(process.env.BENCH_GATEWAY_WARMUP_SECONDS ?? 3);
  const maxEvents = rate * seconds;
  const stride = Math.max(1, Math.ceil((maxEvents * clientCount) / MAX_SAMPLES));
  const appId = await bench.app('gateway');
  const gatewayPid = bench.pid('realtime-gateway');
  const idleRss = rssMiB(gatewayPid);
  const clients = new FeedClients({ url: bench.feedUrl, clients: clientCount, events: maxEvents, idPrefix: 'gw-', stride });
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
    await warmUp(bench, appId, rate, warmup);
    const sentAt: number[] = [];
    const inFlight: Promise<void>[] = [];
    const ingestMs: number[] = [];
    const started = wallClock();
    // Open loop, as in `steady`: every 10 ms, send what the schedule says is due.
    while (wallClock() - started < seconds * 1000) {
      const due = Math.floor(((wallClock() - started) / 1000) * rate);
      while (sentAt.length < due) {
        const id = `gw-${sentAt.length}`;
        const sent = wallClock();
        sentAt.push(sent);
        inFlight.push(bench.publish(appId, id, 'bench.gateway').then(() => void ingestMs.push(wallClock() - sent)));
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    // Wait until every open client has every event, or nothing has moved for 10 s (at most 2 min).
    const deadline = Date.now() + 120_000;
    let last = { delivered: -1, at: Date.now() };
    let waitEnded = 'the 2 min limit, messages still arriving';
    while (Date.now() < deadline) {
      const progress = await clients.ask({ type: 'progress', published: sentAt.length }, 30_000);
      if (progress.behind === 0) {
        waitEnded = 'every open client had every event';
        break;
      }
      if (progress.delivered !== last.delivered) last = { delivered: progress.delivered, at: Date.now() };
      else if (Date.now() - last.at > 10_000) {
        waitEnded = 'no message for 10 s';
        break;
      }
      await sleep(500);
    }
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
      deliveriesPerSecond: Math.round(report.delivered / span),
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
async function warmUp(bench: Bench, appId: string, rate: number, seconds: number): Promise<void> {
  const started = wallClock();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (wallClock() - started < seconds * 1000) {
    const due = Math.floor(((wallClock() - started) / 1000) * rate);
    while (sent < due) inFlight.push(bench.publish(appId, `warmup-${sent++}`, 'warmup.gateway'));
    await sleep(10);
  }
  await Promise.all(inFlight);
}
