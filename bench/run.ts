import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run as exportBench } from './export';
import { run as history } from './history';
import { run as memory } from './memory';
import { run as soak } from './soak';
import { run as storage } from './storage';
import { run as sync } from './sync';
import { run as uploadRss } from './upload-rss';
import { figures } from './support';

/**
 * `npm run bench`: each benchmark prints its figures as ratios against a baseline measured in the same run.
 * Pass names to run only some: `npm run bench -- sync soak`. Never part of `npm test`: timings gate nothing.
 */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  soak,
  sync,
  history,
  export: exportBench,
  memory,
  'upload-rss': uploadRss,
  storage,
};

/** Benchmarks of the real server process need the production build that `npm start` makes. */
function ensureBuild(): void {
  const distDir = process.env.NEXT_DIST_DIR ?? '.next';
  if (fs.existsSync(path.join(distDir, 'BUILD_ID'))) return;
  console.log('building the app first (next build)…');
  execFileSync(path.join('node_modules', '.bin', 'next'), ['build'], { stdio: 'inherit' });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  ensureBuild();
  for (const [name, run] of Object.entries(BENCHMARKS)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    console.log(`\n== ${name} (load average ${loadAverage()})`);
    await run();
  }
  printFigures();
}

/** The machine is shared: the load average says how much the timings can be trusted. */
const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(', ');

/** Issue 11's table, every figure against its baseline from this run. */
function printFigures(): void {
  if (figures.length === 0) return;
  console.log(`\n== figures (load average ${loadAverage()}, ${os.cpus().length} CPUs)`);
  console.log('| figure | measured | goal |\n|---|---|---|');
  for (const { figure, measured, goal } of figures) console.log(`| ${figure} | ${measured} | ${goal} |`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
