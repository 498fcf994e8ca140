import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal content always gives equal text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

/** Content hash of a mapped payload: an unchanged record is recognised and not re-sent. */
export function contentHash(payload: unknown): string {
  return createHash('sha256').update(stableStringify(payload)).digest('base64url');
}
