// The demo's catalogue and "server": MovieLens-100K from ../shared/data when it is there (items as
// core/data/convert builds them: id, title without year, genre and decade attributes; a user's
// ratings as search events whose query is the movie's genres), else the generated items of the
// parity fixture. Nothing here is part of the package: it stands in for an application's server.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Reads u.item as Latin-1 (its encoding) and u.data; returns null when the files are absent. */
function movieLens(dir) {
  if (!existsSync(path.join(dir, 'u.item'))) return null;
  const genres = readFileSync(path.join(dir, 'u.genre'), 'latin1').split('\n').filter(Boolean).map((l) => l.split('|')[0]);
  const items = [];
  const queries = new Map();
  for (const line of readFileSync(path.join(dir, 'u.item'), 'latin1').split('\n')) {
    if (!line) continue;
    const f = line.split('|');
    const title = f[1].trim();
    const m = /\((\d{4})\)$/.exec(title);
    const attrs = [];
    const query = [];
    f.slice(5).forEach((flag, g) => {
      if (flag === '1') { attrs.push({ f: 'genre', v: genres[g] }); query.push(genres[g].toLowerCase()); }
    });
    const year = Number(/(\d{4})$/.exec(f[2])?.[1] ?? m?.[1]);
    if (year) attrs.push({ f: 'decade', v: `${Math.floor(year / 10) * 10}s` });
    items.push({ id: f[0], text: m ? title.slice(0, -6).trim() : title, attrs, year: year || null });
    queries.set(f[0], query.join(' '));
  }
  const ratings = readFileSync(path.join(dir, 'u.data'), 'latin1').split('\n').filter(Boolean).map((l) => l.split('\t').map(Number));
  const users = new Map();
  const popularity = new Map();
  for (const [user, movie, , time] of ratings) {
    if (!users.has(user)) users.set(user, []);
    users.get(user).push([time, movie]);
    popularity.set(String(movie), (popularity.get(String(movie)) ?? 0) + 1);
  }
  const history = (user) => (users.get(user) ?? [])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([t, movie]) => ({ t, k: 1, q: queries.get(String(movie)), item: strip(items[movie - 1]) }));
  const longest = [...users].sort((a, b) => b[1].length - a[1].length).slice(0, 6).map(([u, r]) => ({ id: u, events: r.length }));
  return { name: 'MovieLens-100K', items, popularity, history, users: longest, genres: genres.slice(1) };
}

/** The parity fixture's items, with made-up popularity, when MovieLens is absent. */
function generated(fixture) {
  const byId = new Map();
  const add = (it) => { if (!byId.has(it.id)) byId.set(it.id, { ...it, attrs: (it.attrs ?? []).map((a) => (Array.isArray(a) ? { f: a[0], v: a[1] } : a)) }); };
  for (const e of fixture.events) add(e.item);
  for (const c of fixture.cases) c.request.candidates.forEach(add);
  const items = [...byId.values()];
  const popularity = new Map(items.map((it, i) => [it.id, items.length - i]));
  const events = fixture.events.map((e) => ({ ...e, item: strip(byId.get(e.item.id)) }));
  return { name: 'generated', items, popularity, history: () => events, users: [{ id: 1, events: events.length }], genres: [] };
}

/** strip keeps the fields of an ABI Item. */
const strip = ({ id, text, attrs, dense }) => ({ id, text, attrs, ...(dense ? { dense } : {}) });

/**
 * loadCatalogue returns the demo's catalogue with search(query, n): the "server's" candidates —
 * items whose title words or genres match the query, by popularity; the most popular for "".
 */
export function loadCatalogue(root) {
  const cat = movieLens(path.resolve(root, '../shared/data/ml-100k'))
    ?? generated(JSON.parse(readFileSync(path.join(root, 'testdata/parity/cases.json'), 'utf8')));
  const words = (s) => s.toLowerCase().split(/[^\p{L}\p{N}-]+/u).filter(Boolean);
  const index = cat.items.map((it) => ({ it, title: new Set(words(it.text ?? '')), attrs: new Set((it.attrs ?? []).flatMap((a) => words(a.v))) }));
  cat.search = (query, n) => {
    const q = words(query);
    const pop = (it) => cat.popularity.get(it.id) ?? 0;
    const scored = index
      .map(({ it, title, attrs }) => ({ it, hit: q.reduce((s, w) => s + (title.has(w) ? 2 : 0) + (attrs.has(w) ? 1 : 0), 0) }))
      .filter((x) => q.length === 0 || x.hit > 0)
      .sort((a, b) => b.hit - a.hit || pop(b.it) - pop(a.it));
    return scored.slice(0, n).map(({ it }) => ({ item: strip(it), year: it.year ?? null, popularity: pop(it) }));
  };
  return cat;
}
