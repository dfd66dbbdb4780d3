/** SIRET check: 14 digits passing Luhn; La Poste's establishments (SIREN 356000000) use digit sum mod 5. */
const LA_POSTE_SIREN = '356000000';

export function isValidSiret(siret: string): boolean {
  if (!/^[0-9]{14}$/.test(siret)) return false;
  if (siret.startsWith(LA_POSTE_SIREN) && siret !== '35600000000048') {
    const sum = [...siret].reduce((s, d) => s + Number(d), 0);
    return sum % 5 === 0;
  }
  return luhn(siret);
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function sirenOf(siret: string): string {
  return siret.slice(0, 9);
}

/** Completes 13 digits with the Luhn check digit (test data and the population generator). */
export function withLuhnDigit(first13: string): string {
  for (let d = 0; d <= 9; d++) if (luhn(first13 + d)) return first13 + d;
  throw new Error('unreachable');
}
