// The jsc shell's entry: runs one of runner.js's functions and prints its result as one JSON
// line; a failure is an uncaught exception, which makes jsc exit with a non-zero status.
//   jsc -m web/jsc/main.js -- parity <module.wasm> <fixture dir>
//   jsc -m web/jsc/main.js -- history <module.wasm> <fixture dir>
//   jsc -m web/jsc/main.js -- bench <module.wasm> <workload dir> <warmup> <reps>
// Paths are relative to the working directory.

import { jscEnv } from './env.js';
import { bench, history, parity } from './runner.js';

const [what, modulePath, dir, warmup, reps] = arguments;
const bytes = (name) => readFile(`${dir}/${name}`, 'binary');
const module = readFile(modulePath, 'binary');
const env = jscEnv();

let out;
if (what === 'parity' || what === 'history') {
  const fixture = JSON.parse(readFile(`${dir}/cases.json`));
  const models = Object.fromEntries([...new Set(fixture.cases.map((c) => c.model))].map((m) => [m, bytes(m)]));
  out = await (what === 'parity' ? parity : history)({ module, fixture, models, env });
} else if (what === 'bench') {
  out = await bench({
    module, model: bytes('model.seminar'), events: bytes('events.msgpack'), request: bytes('request.msgpack'),
    env, now: () => preciseTime() * 1000, warmup: Number(warmup), reps: Number(reps),
  });
} else {
  throw new Error(`unknown command ${what}: want parity, history or bench`);
}
print(JSON.stringify({ runtime: 'jsc', ...out }));
