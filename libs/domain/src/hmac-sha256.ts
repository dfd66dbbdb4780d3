import { hash } from 'crypto';

// SHA-256 (FIPS 180-4) round constants and initial state.
// prettier-ignore
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
const IV = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const BLOCK = 64;

/**
 * HMAC-SHA-256 under one fixed key, for short messages. The key's two padded blocks are
 * compressed once, at construction (the "midstates"); a message then costs its own blocks and
 * one more, where `createHmac` or two `crypto.hash` calls pay four compressions plus a native
 * object or call each time (docs/performance.md: 1.5 µs against 3.1–3.4 per pseudonym, a notification
 * needing three). The spec checks it against `createHmac`. Not for secrets' comparison or
 * long inputs: plain JavaScript, not constant-time beyond what SHA-256's arithmetic is.
 */
export class HmacSha256 {
  private readonly innerStart: Int32Array;
  private readonly outerStart: Int32Array;
  private readonly state = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly out = Buffer.alloc(32);
  /** The message and its padding (grown when a longer one comes). */
  private message = Buffer.alloc(4 * BLOCK);

  constructor(key: Buffer) {
    const k = key.length > BLOCK ? (hash('sha256', key, 'buffer') as unknown as Buffer) : key;
    const pad = Buffer.alloc(BLOCK);
    this.innerStart = this.keyed(k, pad, 0x36);
    this.outerStart = this.keyed(k, pad, 0x5c);
  }

  /** The MAC of the message's UTF-8 bytes, as base64url. */
  base64url(text: string): string {
    const s = this.state;
    this.digestInto(text, s);
    const out = this.out;
    for (let j = 0; j < 8; j++) out.writeInt32BE(s[j], j * 4);
    return out.toString('base64url');
  }

  private digestInto(text: string, s: Int32Array): void {
    // Inner hash: (K ⊕ ipad) is already absorbed; the message, 0x80, zeros and the bit length.
    // At most three bytes per UTF-16 unit: no need to measure the exact length first.
    const needed = text.length * 3 + 9;
    if (needed > this.message.length) this.message = Buffer.alloc(needed * 2);
    const m = this.message;
    const n = m.write(text, 0, 'utf8');
    const end = (((n + 8) >> 6) + 1) * BLOCK;
    m[n] = 0x80;
    m.fill(0, n + 1, end - 4);
    m.writeUInt32BE((BLOCK + n) * 8, end - 4);
    s.set(this.innerStart);
    for (let o = 0; o < end; o += BLOCK) this.compress(s, m, o);
    // Outer hash: (K ⊕ opad) absorbed; one block of the inner digest and its padding.
    const w = this.w;
    for (let j = 0; j < 8; j++) w[j] = s[j];
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = (BLOCK + 32) * 8;
    s.set(this.outerStart);
    this.rounds(s);
  }

  private keyed(key: Buffer, pad: Buffer, xor: number): Int32Array {
    for (let i = 0; i < BLOCK; i++) pad[i] = (key[i] ?? 0) ^ xor;
    const s = IV.slice();
    this.compress(s, pad, 0);
    return s;
  }

  private compress(s: Int32Array, bytes: Buffer, offset: number): void {
    const w = this.w;
    for (let j = 0, o = offset; j < 16; j++, o += 4) w[j] = (bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3];
    this.rounds(s);
  }

  /** The compression function over w[0..15], into s. */
  private rounds(s: Int32Array): void {
    const w = this.w;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    // prettier-ignore
    let a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + b) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0;
    s[5] = (s[5] + f) | 0;
    s[6] = (s[6] + g) | 0;
    s[7] = (s[7] + h) | 0;
  }
}
