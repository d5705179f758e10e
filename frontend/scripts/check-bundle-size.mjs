#!/usr/bin/env node
// Bundle budget: the JavaScript a first visit must download (the entry script and every
// chunk it modulepreloads, as listed in dist/index.html) must stay under the budget gzipped.
// Lazily loaded route chunks are reported but not counted.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = Number(process.env.BUNDLE_BUDGET_KB ?? 250);
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');

const initial = new Set();
for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) initial.add(m[1]);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) initial.add(m[1]);
if (initial.size === 0) {
  console.error('bundle budget: no entry script found in dist/index.html');
  process.exit(1);
}

const gz = (file) => gzipSync(readFileSync(join(dist, file.replace(/^\//, ''))), { level: 9 }).length;
const kb = (bytes) => (bytes / 1024).toFixed(1);

let total = 0;
console.log('Initial JavaScript (gzipped):');
for (const file of initial) {
  const size = gz(file);
  total += size;
  console.log(`  ${kb(size).padStart(7)} KB  ${file}`);
}
const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && ![...initial].some((i) => i.endsWith(f)));
const lazyTotal = lazy.reduce((sum, f) => sum + gz(`assets/${f}`), 0);
console.log(`Lazy chunks: ${lazy.length} files, ${kb(lazyTotal)} KB gzipped (not counted)`);
console.log(`Initial total: ${kb(total)} KB of ${BUDGET_KB} KB budget`);
if (total > BUDGET_KB * 1024) {
  console.error(`bundle budget exceeded: ${kb(total)} KB > ${BUDGET_KB} KB gzipped`);
  process.exit(1);
}
