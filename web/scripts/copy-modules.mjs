// Copies both builds of the module from bin/ (./build.sh wasm) into web/modules/, so that the
// npm package ships them and Ranker.create finds them when a page names no modules.
import { copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(web, '..', 'bin');
mkdirSync(path.join(web, 'modules'), { recursive: true });
for (const name of ['seminar.wasm', 'seminar-scalar.wasm']) {
  const from = path.join(bin, name);
  if (!existsSync(from)) {
    console.error(`${from} is missing: run ./build.sh wasm first`);
    process.exit(1);
  }
  copyFileSync(from, path.join(web, 'modules', name));
}
