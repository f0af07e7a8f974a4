// Activation of the BUILT extension (dist/extension.js) with a stub editor (bench/vscodeStub.ts), each run in a
// fresh Node process with no loader (bench/activationHost.ts, bundled here by esbuild): the time to require the
// bundle, the time activate() takes, the longest event-loop stall during and right after it and in the 5 s after that, with
//   - an empty storage folder (first start), and
//   - the year-of-use database (bench/yearOfUse.ts, ~200 MB; BENCH_SIZE=38mb or 1k for a smaller one) in place,
// alternating the two, RUNS times each (median). Target (issue 20): activation ≤ 50 ms at any database size.
// Needs dist/ (npm run build). Writes bench/results/activation.json.
//
//   npm run bench:activation        BENCH_RUNS=5 (default)  BENCH_SIZE=full (default)

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { generateYearOfUse, isSizeName, SIZES } from './yearOfUse';
import { quantile, round1 } from './timing';
import { machineLine, writeResults } from './report';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZE = process.env.BENCH_SIZE ?? 'full';
const TARGET_MS = 50;
const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'extension.js');
/** The file name activate() opens in the global storage folder (src/extension.ts). */
const DB_NAME = 'singularity.db';

interface Run {
  requireMs: number;
  activateMs: number;
  maxStallMs: number;
  maxStallAfterMs: number;
  touched: string[];
}

const execFileAsync = promisify(execFile);

async function activateOnce(host: string, storage: string): Promise<Run> {
  const { stdout } = await execFileAsync(process.execPath, [host, BUNDLE, storage, ROOT], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Run;
}

function summary(runs: Run[]) {
  const median = (k: 'requireMs' | 'activateMs' | 'maxStallMs' | 'maxStallAfterMs') => round1(quantile(runs.map((r) => r[k]), 0.5));
  return {
    runs: runs.length,
    medianRequireMs: median('requireMs'),
    medianActivateMs: median('activateMs'),
    medianRequirePlusActivateMs: round1(quantile(runs.map((r) => r.requireMs + r.activateMs), 0.5)),
    maxActivateMs: round1(Math.max(...runs.map((r) => r.activateMs))),
    medianStallMs: median('maxStallMs'),
    medianStallAfterMs: median('maxStallAfterMs'),
  };
}

async function main(): Promise<void> {
  if (!isSizeName(SIZE)) throw new Error(`BENCH_SIZE must be one of ${Object.keys(SIZES).join(', ')} (got "${SIZE}").`);
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build first (npm run build).`);
  const dir = mkdtempSync(join(tmpdir(), 'singularity-activation-bench-'));
  try {
    const host = join(dir, 'activationHost.cjs');
    await esbuild.build({ entryPoints: [join(__dirname, 'activationHost.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: host, logLevel: 'warning' });
    const year = await generateYearOfUse({ requests: SIZES[SIZE], file: join(dir, 'year.db') });
    process.stderr.write(`year-of-use database (${SIZE}): ${(year.bytes / 1e6).toFixed(1)} MB\n`);

    const empty: Run[] = [];
    const full: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const a = join(dir, `empty-${i}`);
      empty.push(await activateOnce(host, a));
      const b = join(dir, `year-${i}`);
      mkdirSync(b);
      copyFileSync(year.file, join(b, DB_NAME));
      full.push(await activateOnce(host, b));
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
      process.stderr.write(`  run ${i + 1}/${RUNS}: empty ${empty[i]!.activateMs.toFixed(0)} ms, ${SIZE} ${full[i]!.activateMs.toFixed(0)} ms\n`);
    }
    const emptySummary = summary(empty);
    const fullSummary = summary(full);
    // dist/extension.js is a small loader; the code it runs (through V8's code cache) is extensionMain.js.
    const bundleBytes = statSync(join(ROOT, 'dist', 'extensionMain.js')).size;

    console.log(`\nActivation of dist/extension.js (loader of a ${(bundleBytes / 1e6).toFixed(2)} MB bundle), median of ${RUNS}, ${machineLine()}`);
    const head = ['storage', 'require ms', 'activate ms', 'req+act ms', 'max act ms', 'stall ms', 'stall after'];
    console.log(head.map((h, i) => (i === 0 ? h.padEnd(18) : h.padStart(12))).join(''));
    for (const [label, s] of [['empty', emptySummary], [`year (${(year.bytes / 1e6).toFixed(0)} MB)`, fullSummary]] as const) {
      console.log(label.padEnd(18) + [s.medianRequireMs, s.medianActivateMs, s.medianRequirePlusActivateMs, s.maxActivateMs, s.medianStallMs, s.medianStallAfterMs].map((v) => String(v).padStart(12)).join(''));
    }
    const ratio = round1(fullSummary.medianActivateMs / emptySummary.medianActivateMs);
    console.log(`\nyear / empty activate: ${ratio}×; target ≤ ${TARGET_MS} ms: empty ${emptySummary.medianActivateMs <= TARGET_MS}, year ${fullSummary.medianActivateMs <= TARGET_MS}`);

    writeResults('activation', {
      bundleBytes,
      database: { size: SIZE, megabytes: round1(year.bytes / 1e6), requests: SIZES[SIZE] },
      empty: emptySummary,
      year: fullSummary,
      yearOverEmpty: ratio,
      targetMs: TARGET_MS,
      withinTarget: { empty: emptySummary.medianActivateMs <= TARGET_MS, year: fullSummary.medianActivateMs <= TARGET_MS },
      stubRecorded: full[0]?.touched ?? [],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
