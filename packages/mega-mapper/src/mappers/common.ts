import { onlyDigits } from '@mega-crm/core/internal';

export function blankToUndefined(value: string | null | undefined): string | undefined {
  const trimmed = typeof value === 'string' ? value.trim() : undefined;
  return trimmed ? trimmed : undefined;
}

/** Mega dates arrive as ISO text (SQLite), `YYYY-MM-DD…` text (pg/Oracle drivers here) or Date objects. */
export function toIsoDate(value: unknown): string | undefined {
  if (value == null || value === '') return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid-date' : value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

/** NUMERIC arrives as text from pg and as a number elsewhere; anything else becomes NaN (caught by the schema). */
export function toNumber(value: unknown): number | undefined {
  if (value == null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
  return Number.isFinite(n) ? n : Number.NaN;
}

export function digits(value: string | null | undefined): string {
  return onlyDigits(value ?? '');
}

export function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function code(value: string | null | undefined): string | undefined {
  return blankToUndefined(value)?.toUpperCase();
}
