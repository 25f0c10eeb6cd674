/**
 * Salesforce record ids: a 3-character key prefix naming the object, 12 characters for the record
 * and a 3-character suffix that encodes the case of the first 15 (so ids survive case-insensitive
 * systems). The record part counts up in base 62 with the digits in ASCII order, so comparing two
 * ids as strings orders them by creation, which keyset paging (`WHERE Id > :last ORDER BY Id`) needs.
 */
const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const suffixAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** Stands for the pod and the reserved character of a real id. */
const instance = '8d0';
const counterWidth = 9;

function caseSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i] ?? '';
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += suffixAlphabet[bits];
  }
  return suffix;
}

/** The 18-character id of the `sequence`-th record of the object with this key prefix. */
export function recordId(keyPrefix: string, sequence: number): string {
  let counter = '';
  let rest = sequence;
  for (let i = 0; i < counterWidth; i++) {
    counter = digits[rest % 62] + counter;
    rest = Math.floor(rest / 62);
  }
  const id15 = `${keyPrefix}${instance}${counter}`;
  return id15 + caseSuffix(id15);
}

/** The 18-character form of a 15- or 18-character id, or undefined when `text` is not an id. */
export function canonicalId(text: string): string | undefined {
  if (!/^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(text)) return undefined;
  const id15 = text.slice(0, 15);
  const suffix = caseSuffix(id15);
  if (text.length === 18 && text.slice(15).toUpperCase() !== suffix) return undefined;
  return id15 + suffix;
}
