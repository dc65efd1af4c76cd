// Writes BENCHMARKS.md from one run: the exact command, the machine, the date, every number, the
// goals of issue 6 marked met or not, then the hand-written analysis kept in bench/NOTES.md.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Knobs } from './run.js';
import { type StartupReport, startupSection } from './startup.js';
import type { WebhookReport } from './webhooks.js';

export interface Measurement {
  engine: string;
  rows: number;
  scenario: string;
  what: string;
  rps: number;
  baselineRps: number;
  ratio: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Server process CPU time per answered request: robust to a noisy, shared machine. */
  cpuUsPerRequest: number | undefined;
  baselineCpuUsPerRequest: number | undefined;
}

export interface EngineReport {
  engine: string;
  measurements: Measurement[];
  phases: Array<{ rows: number; seedMs: number; peakRss: number | undefined }>;
}

export interface RunReport {
  knobs: Knobs;
  started: Date;
  elapsedS: number;
  engines: EngineReport[];
  skipped: string[];
  webhooks: WebhookReport[];
  startup: StartupReport | undefined;
  /** 1-minute load average of the machine when the run started (other work shares it). */
  loadAtStart: number;
}

const mb = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a' : `${(bytes / 1048576).toFixed(0)} MB`;
const n = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 0 });

const us = (value: number | undefined) => (value === undefined ? 'n/a' : n(value));

/** Throughput ratio if both servers were CPU-bound on a core of their own: baseline CPU / Qualify CPU per request. */
function cpuRatio(m: Measurement): string {
  return m.cpuUsPerRequest && m.baselineCpuUsPerRequest
    ? (m.baselineCpuUsPerRequest / m.cpuUsPerRequest).toFixed(2)
    : 'n/a';
}

export function command(): string {
  const env = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  return `${env}npm run bench`;
}

function machine(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? 'unknown CPU';
  let os = `${process.platform} ${process.arch}`;
  try {
    os = execSync('uname -sr', { encoding: 'utf8' }).trim();
  } catch {
    // keep the platform name
  }
  return `${list.length} × ${model}, ${(totalmem() / 1073741824).toFixed(1)} GiB RAM, ${os}, Node ${process.version}`;
}

type Goal = { goal: string; result: string; met: boolean | undefined };

function goals(run: RunReport): Goal[] {
  const all = run.engines.flatMap((e) => e.measurements);
  const largest = Math.max(...run.knobs.rows);
  const out: Goal[] = [];
  const pick = (scenario: string, engine?: string, rows?: number) =>
    all.filter(
      (m) => m.scenario === scenario && (!engine || m.engine === engine) && (!rows || m.rows === rows),
    );
  // Issue 9 item 4: ratios to the bare node:http server measured in the same run.
  const ratioGoal = (scenario: string, label: string, sqlite: number, postgres: number) => {
    for (const m of pick(scenario)) {
      const target = m.engine === 'postgres' ? postgres : sqlite;
      out.push({
        goal: `${label} ≥ ${target}× baseline (${m.engine}, ${n(m.rows)} rows)`,
        result: `${m.ratio.toFixed(2)}× (by CPU: ${cpuRatio(m)}×)`,
        met: m.ratio >= target,
      });
    }
  };
  ratioGoal('retrieve', 'retrieve', 0.4, 0.15);
  ratioGoal('list first page', 'list first page of 30', 0.1, 0.1);
  ratioGoal('create', 'create', 0.1, 0.05);
  ratioGoal('update', 'update', 0.1, 0.1);
  for (const m of pick('retrieve, 32 connections'))
    out.push({
      goal: `retrieve p99 < 10 ms at 32 connections (${m.engine}, ${n(m.rows)} rows)`,
      result: `${m.p99} ms`,
      met: m.p99 < 10,
    });
  for (const m of pick('list first page, status filter', undefined, largest))
    out.push({
      goal: `list p99 < 25 ms, first page, status filter (${m.engine}, ${n(m.rows)} rows)`,
      result: `${m.p99} ms`,
      met: m.p99 < 25,
    });
  for (const w of run.webhooks) {
    if (!w.available) {
      out.push({ goal: `webhook goals (${w.engine})`, result: w.reason ?? 'not measured', met: undefined });
      continue;
    }
    out.push({
      goal: `first webhook attempt median < 50 ms after commit (${w.engine})`,
      result: `${w.firstAttemptMedianMs?.toFixed(1)} ms`,
      met: (w.firstAttemptMedianMs ?? Infinity) < 50,
    });
    out.push({
      goal: `≥ 1,000 deliveries/s (${w.engine})`,
      result: `${n(w.deliveriesPerSecond ?? 0)}/s`,
      met: (w.deliveriesPerSecond ?? 0) >= 1000,
    });
  }
  for (const e of run.engines)
    for (const p of e.phases.filter((phase) => phase.rows === largest))
      out.push({
        goal: `peak RSS < 300 MB at ${n(largest)} sessions (${e.engine})`,
        result: mb(p.peakRss),
        met: p.peakRss === undefined ? undefined : p.peakRss < 300 * 1048576,
      });
  return out;
}

export function writeReport(path: string, run: RunReport): void {
  const k = run.knobs;
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts); the analysis at the end comes from bench/NOTES.md. -->',
    '',
  ];
  if (k.quick)
    lines.push(
      '> **Quick run** (`BENCH_QUICK=1`): short measurements and small tables, on a shared machine.',
      '> Indicative only; the full run (`npm run bench`) seeds 100k and 1M sessions.',
      '',
    );
  lines.push(
    `- Command: \`${command()}\``,
    `- Date: ${run.started.toISOString()} (took ${run.elapsedS.toFixed(0)} s)`,
    `- Machine: ${machine()}`,
    `- Machine load average (1 min): ${run.loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (${cpus().length} CPUs; above that, other work competed for them)`,
    `- Load: autocannon, ${k.connections} connections, ${k.durationS} s per measurement after a ${k.warmupS} s warm-up, loopback (127.0.0.1)`,
    '- Server under test: `node --max-semi-space-size=8 bin/qualify.js serve` (as `npm start`) in its own process, `QUALIFY_RATE_LIMIT_PER_MINUTE=0`, `LOG_LEVEL=warn`',
    '- Baseline: a bare `node:http` server (bench/baseline-server.mjs) in its own process, measured right before',
    '  and right after each scenario; the ratio uses the mean of those two runs. autocannon runs in a third process.',
    '',
  );
  if (run.skipped.length > 0) lines.push(`Skipped: ${run.skipped.join('; ')}`, '');

  lines.push('## Goals', '', '| goal | result | met |', '|---|---|---|');
  for (const g of goals(run))
    lines.push(`| ${g.goal} | ${g.result} | ${g.met === undefined ? '—' : g.met ? 'yes' : '**no**'} |`);
  lines.push('');

  for (const e of run.engines) {
    lines.push(`## ${e.engine}`, '');
    lines.push(
      '| sessions | scenario | req/s | × baseline | baseline req/s | p50 ms | p99 ms | CPU µs/req | baseline CPU µs/req | × baseline by CPU | non-2xx | errors |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const m of e.measurements)
      lines.push(
        `| ${n(m.rows)} | ${m.scenario} | ${n(m.rps)} | ${m.ratio.toFixed(2)} | ${n(m.baselineRps)} | ${m.p50} | ${m.p99} | ${us(m.cpuUsPerRequest)} | ${us(m.baselineCpuUsPerRequest)} | ${cpuRatio(m)} | ${m.non2xx} | ${m.errors} |`,
      );
    lines.push('');
    for (const p of e.phases)
      lines.push(
        `- ${n(p.rows)} sessions: seeded in ${(p.seedMs / 1000).toFixed(1)} s; server peak RSS (VmHWM) ${mb(p.peakRss)}`,
      );
    lines.push('');
  }

  lines.push('## Webhooks', '');
  for (const w of run.webhooks) {
    if (!w.available) {
      lines.push(`- ${w.engine}: not measured — ${w.reason}`);
      continue;
    }
    lines.push(...w.lines.map((line) => `- ${w.engine}: ${line}`));
  }
  lines.push('');
  if (run.startup) lines.push(...startupSection(run.startup, command(), run.started));
  lines.push('## Scenarios', '');
  const seen = new Set<string>();
  for (const m of run.engines.flatMap((e) => e.measurements)) {
    if (seen.has(m.scenario)) continue;
    seen.add(m.scenario);
    lines.push(`- **${m.scenario}**: ${m.what}`);
  }
  lines.push('');
  const notes = new URL('./NOTES.md', import.meta.url);
  if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8').trimEnd(), '');
  writeFileSync(path, lines.join('\n'));
}
