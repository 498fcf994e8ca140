/**
 * `details` typed per error code (checked by `pnpm typecheck`, which compiles the tests): narrowing on
 * `code` types the details; a package adds its own code with one entry by declaration merging.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type ErrorCode, type ErrorDetails, MegaCrmError } from '../src/index.js';

// What another package does for its own code (crm-client's PROFILE_MISMATCH, say): one entry, no edit in core.
declare global {
  interface MegaCrmErrorCodes {
    TEST_PACKAGE_CODE: { readonly missing?: readonly string[] | undefined };
  }
}

const fix = { en: 'Do this.', pt: 'Faça isto.' };
const thrown = (error: MegaCrmError): unknown => error;

describe('MegaCrmError.details, typed per code', () => {
  it('narrowing on code types the details of that code', () => {
    const e = thrown(new MegaCrmError('refused', { code: 'IP_NOT_ALLOWED', details: { ip: '10.1.2.3', client: 'demo' }, fix }));
    if (!MegaCrmError.is(e)) throw new Error('not a MegaCrmError');
    if (e.code === 'IP_NOT_ALLOWED') {
      expectTypeOf(e.details.ip).toEqualTypeOf<string | undefined>();
      expect(e.details.ip).toBe('10.1.2.3');
    } else throw new Error(`narrowed to ${e.code}`);
    const d = thrown(new MegaCrmError('waits', { code: 'DEPENDENCY_MISSING', details: { missingKey: '1-1-7' }, fix }));
    if (MegaCrmError.is(d) && d.code === 'DEPENDENCY_MISSING') expectTypeOf(d.details.missingKey).toEqualTypeOf<string | undefined>();
  });

  it('refuses a wrong type for a known field when the error is built; other fields stay open', () => {
    // @ts-expect-error ip is a string
    void new MegaCrmError('refused', { code: 'IP_NOT_ALLOWED', details: { ip: 42 }, fix });
    const open = new MegaCrmError('refused', { code: 'IP_NOT_ALLOWED', details: { ip: '10.1.2.3', extra: 1 }, fix });
    expectTypeOf(open.details.extra).toEqualTypeOf<unknown>();
    // A code without an entry carries an open record.
    expectTypeOf<ErrorDetails<'CRM_FAULT'>>().toEqualTypeOf<{ readonly [key: string]: unknown }>();
  });

  it("a package's own code, declared by merging, is an ErrorCode with typed details", () => {
    expectTypeOf<'TEST_PACKAGE_CODE'>().toExtend<ErrorCode>();
    const e = thrown(new MegaCrmError('mismatch', { code: 'TEST_PACKAGE_CODE', details: { missing: ['op'] }, fix }));
    if (MegaCrmError.is(e) && e.code === 'TEST_PACKAGE_CODE') {
      expectTypeOf(e.details.missing).toEqualTypeOf<readonly string[] | undefined>();
      expect(e.details.missing).toEqual(['op']);
    } else throw new Error('not narrowed');
  });
});
