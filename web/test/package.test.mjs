// npm pack gives a package a fresh project can install and import, with both modules inside
// where Ranker.create looks for them by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('npm pack gives an installable package that ships its modules', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seminar-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: web, encoding: 'utf8' });
  const [{ filename, files }] = JSON.parse(out.slice(out.indexOf('[')));
  const names = files.map((f) => f.path);
  for (const want of ['package.json', 'src/index.js', 'src/index.d.ts', 'src/abi.d.ts', 'src/core.js',
    'modules/seminar.wasm', 'modules/seminar-scalar.wasm']) {
    assert.ok(names.includes(want), `the package holds ${want}`);
  }
  const app = path.join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(dir, filename)], { cwd: app });
  const script = path.join(app, 'check.mjs');
  writeFileSync(script, `
    import { Ranker, packagedModules } from '@seminar-ranker/web';
    import { RankerCore } from '@seminar-ranker/web/core';
    console.log(JSON.stringify({ ranker: typeof Ranker.create, core: typeof RankerCore, modules: packagedModules() }));
  `);
  const got = JSON.parse(execFileSync('node', [script], { cwd: app, encoding: 'utf8' }));
  assert.equal(got.ranker, 'function');
  assert.equal(got.core, 'function');
  for (const url of Object.values(got.modules)) {
    const file = fileURLToPath(url);
    assert.ok(existsSync(file), `${url} exists in the installed package`);
    assert.ok(WebAssembly.validate(readFileSync(file)), `${url} is a valid module`);
  }
});
