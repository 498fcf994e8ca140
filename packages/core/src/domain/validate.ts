import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { EntityRef } from './records.js';

/**
 * Validates with a zod schema and turns failures into a ValidationError that keeps every issue's
 * path and code, never the offending value (it may be a CPF or an e-mail).
 */
export function validateRecord<S extends z.ZodType>(
  schema: S,
  input: unknown,
  ref: EntityRef,
): { ok: true; value: z.output<S> } | { ok: false; error: ValidationError } {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues: ValidationIssue[] = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    code: reasonOf(issue),
    message: issue.message,
  }));
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return {
    ok: false,
    error: new ValidationError(`${ref.entity} ${ref.key} is invalid in Mega: ${list}`, issues, { details: { entity: ref.entity, key: ref.key } }),
  };
}

function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') {
    const reason = (issue.params as { reason?: unknown } | undefined)?.reason;
    if (typeof reason === 'string') return reason;
  }
  return issue.code;
}
