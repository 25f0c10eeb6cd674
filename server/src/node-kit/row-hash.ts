/**
 * The 64-bit row hash of verification checksums: fast and non-cryptographic. Verification guards
 * against a database or a conversion changing rows, not against an adversary, so a SHA per row
 * (most of a migration's CPU time) buys nothing over a well-mixed 64-bit hash; two rows that
 * differ collide with a probability of about 2^-64, and a checksum of n rows misses a change with
 * about the same odds.
 *
 * The input is a sequence of 32-bit words: per value its length then its UTF-16 code units two to
 * a word (a null is a length no string can have), so distinct rows give distinct word sequences.
 * Two MurmurHash3-style lanes with their own constants take each word; the finish mixes the
 * lanes into each other (as MurmurHash3 x86_128 does) and through fmix32.
 */

/** A length no JavaScript string reaches (they stop below 2^30 code units): NULL's mark. */
const NULL_MARK = 0xffff_ffff;

export class RowHash {
  private a = 0;
  private b = 0;
  private words = 0;
  /** One BigInt per row read from the two 32-bit halves, without BigInt arithmetic. */
  private readonly view = new DataView(new ArrayBuffer(8));

  start(): void {
    this.a = 0x9747_b28c;
    this.b = 0x3c6e_f372;
    this.words = 0;
  }

  null(): void {
    this.word(NULL_MARK);
  }

  text(text: string): void {
    const length = text.length;
    this.word(length);
    let index = 0;
    for (; index + 1 < length; index += 2) this.word(text.charCodeAt(index) | (text.charCodeAt(index + 1) << 16));
    if (index < length) this.word(text.charCodeAt(index));
  }

  finish(): bigint {
    let a = this.a ^ this.words;
    let b = this.b ^ this.words;
    a = (a + b) | 0;
    b = (b + a) | 0;
    a = fmix32(a);
    b = fmix32(b);
    a = (a + b) | 0;
    b = (b + a) | 0;
    this.view.setUint32(0, a >>> 0);
    this.view.setUint32(4, b >>> 0);
    return this.view.getBigUint64(0);
  }

  private word(word: number): void {
    let k = Math.imul(word, 0xcc9e_2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b87_3593);
    let a = this.a ^ k;
    a = (a << 13) | (a >>> 19);
    this.a = (Math.imul(a, 5) + 0xe654_6b64) | 0;
    let j = Math.imul(word, 0x85eb_ca77);
    j = Math.imul((j << 16) | (j >>> 16), 0xc2b2_ae35);
    let b = this.b ^ j;
    b = (b << 17) | (b >>> 15);
    this.b = (Math.imul(b, 9) + 0x38b3_4ae5) | 0;
    this.words += 1;
  }
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h;
}
