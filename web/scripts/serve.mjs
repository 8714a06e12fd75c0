// A static server on loopback for the demo page and the browser tests: the package (web/), the
// modules (bin/), the parity fixtures (testdata/), the demo model, and a stand-in for an
// application's search server over the catalogue. Usage: node web/scripts/serve.mjs [--port N]

import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalogue } from './catalogue.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.seminar': 'application/octet-stream', '.model': 'application/octet-stream',
};
const PUBLIC = ['/web/src/', '/web/demo/', '/web/test/browser/pages/', '/bin/', '/testdata/', '/out/web-bench/'];

/** demoModel is the model the demo ranks with: one trained on MovieLens by `make web-demo`, else the tiny test model. */
export function demoModel() {
  const dir = path.join(root, 'out/web-demo');
  const trained = existsSync(dir) ? readdirSync(dir).filter((f) => /^demo-.*\.model$/.test(f)) : [];
  if (process.env.SEMINAR_DEMO_MODEL) return { file: process.env.SEMINAR_DEMO_MODEL, trained: true };
  if (trained.length > 0) return { file: path.join(dir, trained.sort().at(-1)), trained: true };
  return { file: path.join(root, 'testdata/parity/model-4bit.seminar'), trained: false };
}

/**
 * serve starts the server and resolves to { url, close }.
 *
 * @param {{port?: number}} [o] port 0 (the default) picks a free one
 */
export async function serve({ port = 0 } = {}) {
  let catalogue = null; // loaded on first use: the browser tests of the package need none
  const cat = () => (catalogue ??= loadCatalogue(root));
  const model = demoModel();
  const json = (res, v) => { res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' }); res.end(JSON.stringify(v)); };
  const file = (res, p) => {
    res.writeHead(200, { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream', 'content-length': statSync(p).size, 'cache-control': 'no-cache' });
    res.end(readFileSync(p));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const p = decodeURIComponent(url.pathname);
    try {
      if (p === '/') { res.writeHead(302, { location: '/web/demo/' }); res.end(); return; }
      if (p === '/demo/model.seminar') { file(res, model.file); return; }
      if (p === '/demo/info.json') {
        const c = cat();
        json(res, { dataset: c.name, trainedModel: model.trained, users: c.users, genres: c.genres, items: c.items.length });
        return;
      }
      if (p === '/api/search') { json(res, cat().search(url.searchParams.get('q') ?? '', Number(url.searchParams.get('n')) || 30)); return; }
      if (p === '/api/history') { json(res, cat().history(Number(url.searchParams.get('user')))); return; }
      // The bench's inputs (web/scripts/bench.mjs writes them to out/web-bench).
      const mapped = p.startsWith('/out-bench/') ? `/out/web-bench/${p.slice('/out-bench/'.length)}` : p;
      const local = path.join(root, mapped.endsWith('/') ? `${mapped}index.html` : mapped);
      if (PUBLIC.some((pre) => mapped.startsWith(pre)) && local.startsWith(root + path.sep) && existsSync(local) && statSync(local).isFile()) {
        file(res, local);
        return;
      }
      res.writeHead(404); res.end('not found');
    } catch (e) {
      res.writeHead(500); res.end(String(e?.stack ?? e));
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const { url } = await serve({ port: i > 0 ? Number(process.argv[i + 1]) : 8080 });
  const m = demoModel();
  console.log(`seminar web demo: ${url}/web/demo/  (model: ${path.relative(root, m.file)}${m.trained ? '' : ' — the tiny test model; `make web-demo` trains one on MovieLens'})`);
}
