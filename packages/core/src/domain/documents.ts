/** Brazilian taxpayer documents: CPF (people, 11 digits) and CNPJ (companies, 14 digits). */

export function onlyDigits(value: string): string {
  return value.replace(/\D+/g, '');
}

function cpfCheckDigit(digits: string, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Number(digits[i]) * (length + 1 - i);
  const rest = (sum * 10) % 11;
  return rest === 10 ? 0 : rest;
}

export function isValidCpf(value: string): boolean {
  const d = onlyDigits(value);
  if (d.length !== 11 || /^(\d)\1{10}$/.test(d)) return false;
  return cpfCheckDigit(d, 9) === Number(d[9]) && cpfCheckDigit(d, 10) === Number(d[10]);
}

const CNPJ_WEIGHTS = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

function cnpjCheckDigit(digits: string, length: 12 | 13): number {
  const weights = CNPJ_WEIGHTS.slice(13 - length);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Number(digits[i]) * (weights[i] ?? 0);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

export function isValidCnpj(value: string): boolean {
  const d = onlyDigits(value);
  if (d.length !== 14 || /^(\d)\1{13}$/.test(d)) return false;
  return cnpjCheckDigit(d, 12) === Number(d[12]) && cnpjCheckDigit(d, 13) === Number(d[13]);
}

/** Appends the two check digits to a 9-digit CPF base. */
export function completeCpf(base9: string): string {
  const partial = `${base9}0`;
  const first = cpfCheckDigit(partial, 9);
  const withFirst = `${base9}${first}`;
  return `${withFirst}${cpfCheckDigit(`${withFirst}0`, 10)}`;
}

/** Appends the two check digits to a 12-digit CNPJ base. */
export function completeCnpj(base12: string): string {
  const first = cnpjCheckDigit(`${base12}0`, 12);
  const withFirst = `${base12}${first}`;
  return `${withFirst}${cnpjCheckDigit(`${withFirst}0`, 13)}`;
}

/** LGPD-safe rendering: keeps the last two digits only, e.g. `***.***.***-09`. */
export function maskDocument(value: string): string {
  const d = onlyDigits(value);
  if (d.length === 14) return `**.***.***/****-${d.slice(12)}`;
  if (d.length === 11) return `***.***.***-${d.slice(9)}`;
  return d.length > 2 ? `${'*'.repeat(d.length - 2)}${d.slice(-2)}` : '**';
}
