/**
 * The q-gram hash shared by every known-value index. Characters are folded before hashing (ASCII case, and the
 * base64url alphabet onto standard base64) so the two spellings of a hex or base64 form land on one entry; the
 * exact spelling is checked afterwards against the stored alternatives.
 */
export const Q = 6;

/** fold[c]: the code unit hashed for c. A flat table so the hot loop has no branch. */
export const FOLD: Uint16Array = (() => {
  const t = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) t[c] = c;
  for (let c = 65; c <= 90; c++) t[c] = c + 32;
  t[45] = 43; // '-' -> '+'
  t[95] = 47; // '_' -> '/'
  return t;
})();

/** 31^(Q-1) mod 2^32, to roll a window one character to the right. */
export const ROLL_OUT = (() => {
  let p = 1;
  for (let k = 1; k < Q; k++) p = Math.imul(p, 31);
  return p;
})();

/** Hash of `n` folded characters of `s` starting at `at` (the caller guarantees they exist). */
export function gramHash(s: string, at: number, n: number): number {
  let h = 0;
  for (let k = 0; k < n; k++) h = (Math.imul(h, 31) + (FOLD[s.charCodeAt(at + k)] as number)) | 0;
  return h;
}

/** Spreads a hash over all 32 bits; filters and tables take their index from the top bits. */
export function mix(h: number): number {
  return Math.imul(h ^ (h >>> 15), 0x9e3779b1);
}
