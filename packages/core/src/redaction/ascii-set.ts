/** Which ASCII characters `re` matches as a one-character string: 1 for a member, 0 otherwise (a lookup table). */
export function asciiSet(re: RegExp): Uint8Array {
  const set = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (re.test(String.fromCharCode(c))) set[c] = 1;
  return set;
}
