// make test-jsc: the web package's core in JavaScriptCore's shell (jsc, the engine of iOS
// WKWebView and JSContext), then rank timings in JSC, V8 (this Node process) and wazero in the
// same run. Needs bin/ (./build.sh all), jsc (host/mobile/testdata/ci-setup.sh) and Go.
//   node web/jsc/run.mjs [--rounds 3] [--warmup 40] [--reps 20]
// Parity and history failures fail the run; timings are printed, never judged: these machines
// are shared and noisy. Rounds alternate the runtimes so that they share the noise.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench } from './runner.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const ROUNDS = arg('rounds', 3);
// JSC tiers a hot function up over its first ~35 calls; every runtime gets the same warmup.
const WARMUP = arg('warmup', 40);
const REPS = arg('reps', 20);
const work = path.join(root, 'out/jsc');
const modules = { simd: 'bin/seminar.wasm', scalar: 'bin/seminar-scalar.wasm' };

/** jsc runs main.js in the jsc shell and returns its JSON line, with the process's peak footprint. */
function jsc(...args) {
  const r = spawnSync('jsc', ['--footprint', '-m', 'web/jsc/main.js', '--', ...args], { cwd: root, encoding: 'utf8' });
  if (r.error) throw new Error(`jsc: ${r.error.message} (host/mobile/testdata/ci-setup.sh installs it)`);
  if (r.status !== 0) throw new Error(`jsc ${args.join(' ')} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  const peak = /Peak Footprint: (\d+)/.exec(r.stdout);
  return { ...JSON.parse(line), footprint_mib: peak ? Number(peak[1]) / 2 ** 20 : undefined };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (x, d = 1) => x.toFixed(d);

function checks() {
  for (const [name, file] of Object.entries(modules)) {
    const p = jsc('parity', file, 'testdata/parity');
    if (p.simd !== (name === 'simd')) throw new Error(`${file}: features say simd=${p.simd}`);
    console.log(`jsc parity ${name}: ${p.cases} cases, largest relative score difference ${p.worst.toExponential(2)}`);
  }
  const h = jsc('history', modules.simd, 'testdata/parity');
  console.log(`jsc history: ${h.events} events in ${h.segments} segments restored by a second core, same ranking`);
}

async function timings() {
  if (!existsSync(path.join(work, 'request.msgpack'))) {
    execFileSync('go', ['run', './web/jsc/wazero', '-prepare', '-dir', work], { cwd: root, stdio: 'inherit' });
  }
  const tool = path.join(work, 'wazero-bench');
  execFileSync('go', ['build', '-o', tool, './web/jsc/wazero'], { cwd: root, stdio: 'inherit' });
  const read = (name) => new Uint8Array(readFileSync(path.join(work, name)));
  const workload = { model: read('model.seminar'), events: read('events.msgpack'), request: read('request.msgpack') };
  const runs = {};
  const add = (key, r) => {
    const k = runs[key] ??= { rank: [], wall: [], memory: 0, footprint: 0, compile: r.compile_ms, order: r.order };
    k.rank.push(...r.rank_us); k.wall.push(...r.wall_us);
    k.memory = Math.max(k.memory, r.memory_mib); k.footprint = Math.max(k.footprint, r.footprint_mib ?? 0);
    if (r.order.join() !== k.order.join()) throw new Error(`${key}: the ranking changed between rounds`);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, file] of Object.entries(modules)) {
      add(`JavaScriptCore ${name}`, jsc('bench', file, work, String(WARMUP), String(REPS)));
      add(`V8 (Node ${process.versions.node}) ${name}`, await bench({
        module: readFileSync(path.join(root, file)), ...workload,
        now: () => performance.now(), warmup: WARMUP, reps: REPS,
      }));
      const args = ['-dir', work, '-modules', 'bin', '-warmup', String(WARMUP), '-reps', String(REPS), ...(name === 'scalar' ? ['-scalar'] : [])];
      add(`wazero ${name}`, JSON.parse(execFileSync(tool, args, { cwd: root, encoding: 'utf8' })));
    }
  }
  // Every runtime ranks the same bytes with the same module: the same order.
  for (const name of Object.keys(modules)) {
    const orders = Object.entries(runs).filter(([k]) => k.endsWith(name)).map(([k, r]) => [k, r.order.join()]);
    for (const [k, o] of orders) if (o !== orders[0][1]) throw new Error(`${k} ranks differently from ${orders[0][0]}`);
  }
  console.log(`\nrank at L = 10^4, C = 100 (model: random, default configuration, 4-bit two-stage codec), ` +
    `${ROUNDS} rounds × ${REPS} calls after ${WARMUP} warm-up calls each; medians; load average ${loadavg().map((x) => fmt(x)).join(' ')}`);
  console.log('| runtime | module µs | call µs | first compile ms | linear memory MiB | process peak MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [k, r] of Object.entries(runs)) {
    console.log(`| ${k} | ${fmt(median(r.rank), 0)} | ${fmt(median(r.wall), 0)} | ${fmt(r.compile, 0)} | ${fmt(r.memory)} | ${r.footprint ? fmt(r.footprint) : '–'} |`);
  }
  for (const name of Object.keys(modules)) {
    const m = (prefix) => median(Object.entries(runs).find(([k]) => k.startsWith(prefix) && k.endsWith(name))[1].rank);
    console.log(`${name}: JSC ÷ V8 ${fmt(m('JavaScriptCore') / m('V8'), 2)}, JSC ÷ wazero ${fmt(m('JavaScriptCore') / m('wazero'), 2)}`);
  }
}

checks();
await timings();
