/**
 * NIR (numéro de sécurité sociale) checks. The key is 97 − (n mod 97) over the first 13
 * characters, where Corsica's 2A and 2B count as 19 and 18.
 */
const NIR_SHAPE = /^[1-478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}$/;

export function nirKey(first13: string): number {
  const numeric = first13.replace('2A', '19').replace('2B', '18');
  return 97 - Number(BigInt(numeric) % 97n);
}

export function isValidNir(nir: string): boolean {
  if (!NIR_SHAPE.test(nir)) return false;
  return nirKey(nir.slice(0, 13)) === Number(nir.slice(13));
}

/** Completes 13 characters with their key (test data and the population generator). */
export function withNirKey(first13: string): string {
  return first13 + String(nirKey(first13)).padStart(2, '0');
}
