/**
 * Issue #10 defect 7: errors of drivers reach the host as MegaCrmError with a code and the fix (a
 * missing optional package, a Mega database that cannot be reached), never as ERR_MODULE_NOT_FOUND
 * or a bare NJS-503.
 */
import { MegaCrmError } from '@mega-crm/core';
import { oracleDriver } from '@mega-crm/mega-mapper/oracle';
import { describe, expect, it, vi } from 'vitest';

vi.mock('pg', () => {
  throw Object.assign(new Error("Cannot find package 'pg' imported from /app/node_modules/@mega-crm/core/dist/postgres.js"), { code: 'ERR_MODULE_NOT_FOUND' });
});

describe('driver errors are typed', () => {
  it('a missing optional package is DRIVER_MISSING with the install command (PostgreSQL store)', async () => {
    const { PostgresStore } = await import('@mega-crm/core/postgres');
    const error = await PostgresStore.open({ pool: { connectionString: 'postgres://x@127.0.0.1:1/db' }, schema: 's' }).catch((e: unknown) => e);
    expect(MegaCrmError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DRIVER_MISSING', fix: { en: 'Install it in your application: npm install pg' } });
  });

  it('an Oracle database that cannot be reached is SOURCE_FAILED at the first read, retryable, without the password', async () => {
    // The pool connects on the first read (a Mega down when the host starts is a retryable run error, not a crash).
    const sql = await oracleDriver({ connect: { user: 'mega', password: 's3cret-pw', connectString: '127.0.0.1:1/MEGA' } });
    const error = await sql.all('SELECT 1 FROM DUAL').catch((e: unknown) => e);
    await sql.close?.();
    expect(MegaCrmError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SOURCE_FAILED', retryable: true });
    expect((error as Error).message).toMatch(/NJS-\d+/);
    expect((error as Error).message).not.toMatch(/s3cret/);
  });
});
