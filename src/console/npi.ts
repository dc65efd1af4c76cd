/**
 * Issue 11 item 1 — the NPI check digit (CMS, "Requirements for the NPI check digit"): the Luhn
 * formula over the 9 leading digits prefixed with 80840 (the health-industry card issuer prefix).
 */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
