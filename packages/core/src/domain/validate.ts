import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { EntityRef, RecordWarning } from './records.js';

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

/**
 * `validateRecord` for records whose optional fields may be dropped: when every issue is on a path
 * `droppable` accepts, those fields are left out with a warning each and the rest is validated again.
 * Any other issue refuses the record as `validateRecord` does.
 */
export function validateDroppingFields<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown>,
  ref: EntityRef,
  droppable: (path: string) => boolean,
): { ok: true; value: z.output<S>; warnings: RecordWarning[] } | { ok: false; error: ValidationError } {
  const first = schema.safeParse(input);
  if (first.success) return { ok: true, value: first.data, warnings: [] };
  const paths = first.error.issues.map((issue) => issue.path.map(String));
  if (paths.some((p) => p.length === 0 || !droppable(p.join('.')))) {
    const refused = validateRecord(schema, input, ref);
    return refused.ok ? { ...refused, warnings: [] } : refused;
  }
  const copy = structuredClone(input);
  // Deepest and last array positions first, so earlier indexes stay valid while removing.
  for (const path of [...paths].sort((a, b) => b.join('.').localeCompare(a.join('.'), undefined, { numeric: true }))) removePath(copy, path);
  const warnings = first.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    code: reasonOf(issue),
    message: `${issue.message}: left out`,
  }));
  const second = validateRecord(schema, copy, ref);
  return second.ok ? { ok: true, value: second.value, warnings } : second;
}

function removePath(target: unknown, path: readonly string[]): void {
  let node = target;
  for (const part of path.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[part];
  const last = path[path.length - 1] as string;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else if (node && typeof node === 'object') delete (node as Record<string, unknown>)[last];
}
