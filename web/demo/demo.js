// The demo page: a search over the catalogue whose results the "server" (web/scripts/serve.mjs)
// orders by popularity, reranked on the device for the history kept in IndexedDB. Clicking a
// reranked result appends a search event to that history.

import { Ranker } from '../src/index.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const fmt = new Intl.NumberFormat('en');
const us = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${Math.round(v)} µs`);

let ranker;
let current = null; // { query, candidates, server, reply }

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 2200);
}

function showFacts(info) {
  $('fact-module').textContent = ranker.simd ? 'SIMD128' : 'scalar';
  $('fact-thread').textContent = ranker.inWorker ? 'Web Worker' : 'main thread';
  $('fact-events').textContent = fmt.format(ranker.events);
  $('fact-model').textContent = `${info.trainedModel ? info.dataset : 'tiny test model'} · ${ranker.info.bits ?? 32}-bit`;
  $('forget').disabled = ranker.events === 0;
  $('onboard').hidden = ranker.events > 0;
}

const metaOf = (c) => [c.year, ...(c.item.attrs ?? []).filter((a) => a.f === 'genre').map((a) => a.v)].filter(Boolean).join(' · ');

function row(pos, c, side) {
  const li = document.createElement('li');
  li.innerHTML = '<span class="pos"></span><span><span class="title"></span><span class="meta"></span></span><span class="side"></span>';
  li.querySelector('.pos').textContent = pos;
  li.querySelector('.title').textContent = c.item.text || c.item.id;
  li.querySelector('.meta').textContent = metaOf(c);
  li.querySelector('.side').append(...side);
  return li;
}

function render() {
  const { server, reply } = current;
  $('server').replaceChildren(...server.map((c, i) => row(i + 1, c, [`${fmt.format(c.popularity)} ratings`])));
  $('reranked').replaceChildren(...reply.order.map((idx, i) => {
    const move = document.createElement('span');
    const d = idx - i;
    move.className = `move ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`;
    move.textContent = d > 0 ? `▲${d}` : d < 0 ? `▼${-d}` : '·';
    const li = row(i + 1, server[idx], [move, ` ${reply.scores[idx].toFixed(2)}`]);
    li.dataset.index = idx;
    return li;
  }));
  const t = reply.timings;
  $('metrics').hidden = false;
  $('m-total').textContent = us(t.total_us);
  $('m-breakdown').textContent = `${[t.lut_us, t.scan_us, t.topk_us, t.esu_us].map((v) => (v / 1000).toFixed(1)).join(' · ')} ms`;
  $('m-candidates').textContent = `${server.length} × ${fmt.format(ranker.events)}`;
}

async function search(query) {
  const server = await (await fetch(`/api/search?q=${encodeURIComponent(query)}&n=30`)).json();
  if (server.length === 0) {
    current = null;
    $('server').replaceChildren();
    $('reranked').replaceChildren();
    $('notice').textContent = `Nothing matches “${query}”.`;
    return;
  }
  const t0 = performance.now();
  let reply;
  try {
    reply = await ranker.rank({ query, candidates: server.map((c) => c.item) });
  } catch (e) {
    // Keep the page useful: the server's order stands, and the reason is shown.
    $('server').replaceChildren(...server.map((c, i) => row(i + 1, c, [`${fmt.format(c.popularity)} ratings`])));
    $('reranked').replaceChildren();
    $('notice').textContent = `Reranking failed (${e.code}): ${e.message}`;
    return;
  }
  $('m-roundtrip').textContent = us((performance.now() - t0) * 1000);
  current = { query, server, reply };
  $('notice').textContent = '';
  render();
  document.body.dataset.ranked = String(Number(document.body.dataset.ranked ?? 0) + 1);
}

async function click(li) {
  const c = current.server[Number(li.dataset.index)];
  li.classList.add('clicked');
  // A click is a search event when the user searched, a browse event on the feed.
  const event = { t: Math.floor(Date.now() / 1000), k: current.query ? 1 : 0, q: current.query || undefined, item: c.item };
  const n = await ranker.append([event]);
  showFacts(info);
  toast(`Saved “${c.item.text}” — ${fmt.format(n)} events on this device`);
  await search(current.query);
}

async function start(user) {
  const events = user ? await (await fetch(`/api/history?user=${user}`)).json() : [];
  await ranker.replace(events);
  showFacts(info);
  toast(user ? `Loaded user ${user}'s ${fmt.format(events.length)} events into this device's history` : 'Starting with an empty history');
  await search($('query').value);
}

const info = await (await fetch('/demo/info.json')).json();
try {
  ranker = await Ranker.create({
    model: { url: '/demo/model.seminar' },
    modules: { simd: '/bin/seminar.wasm', scalar: '/bin/seminar-scalar.wasm' },
    store: 'demo',
    forceScalar: params.get('scalar') === '1',
    onProgress: (loaded, total) => {
      if (total) $('progress').style.width = `${(100 * loaded) / total}%`;
      $('loading-text').textContent = `Loading the model… ${fmt.format(Math.round(loaded / 1024))} KB`;
    },
  });
} catch (e) {
  $('loading-text').textContent = `The ranker could not start: ${e.message}`;
  throw e;
}
document.body.dataset.state = 'ready';
showFacts(info);
if (ranker.historyErrors.length > 0) {
  $('notice').textContent = `${ranker.historyErrors.length} damaged history record(s) were dropped; the rest is intact.`;
  $('notice').className = 'notice-warn';
}
$('users').append(...info.users.map((u) => {
  const b = document.createElement('button');
  b.className = 'secondary';
  b.textContent = `${info.dataset} user ${u.id} · ${fmt.format(u.events)} events`;
  b.onclick = () => start(u.id);
  return b;
}));
const empty = document.createElement('button');
empty.className = 'quiet';
empty.textContent = 'Start empty';
empty.onclick = () => { $('onboard').hidden = true; };
$('users').append(empty);

for (const el of document.querySelectorAll('#search input, #search button')) el.disabled = false;
$('search').onsubmit = (ev) => { ev.preventDefault(); search($('query').value.trim()); };
let debounce;
$('query').oninput = () => { clearTimeout(debounce); debounce = setTimeout(() => search($('query').value.trim()), 200); };
$('reranked').onclick = (ev) => { const li = ev.target.closest('li'); if (li && current) click(li); };
$('forget').onclick = async () => {
  await ranker.forget();
  showFacts(info);
  toast('History forgotten: nothing about you is left on this device');
  if (current) await search(current.query);
};
await search('');
