import { describe, expect, it } from 'vitest';
import { AlreadyRunningError, asMegaCrmError, ConfigurationError, MegaCrmError, TransportError, ValidationError } from '../src/errors.js';

const fix = { en: 'Do this.', pt: 'Faça isto.' };

describe('MegaCrmError', () => {
  it('carries code, retryable, stopsRun and the fix in both languages in its message', () => {
    const error = new TransportError('socket reset', { code: 'CONNECTION_FAILED', fix });
    expect(error).toBeInstanceOf(MegaCrmError);
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.stopsRun).toBe(false);
    expect(error.message).toContain('socket reset');
    expect(error.message).toContain('Fix: Do this.');
    expect(error.message).toContain('Correção: Faça isto.');
    expect(error.name).toBe('TransportError');
  });

  it('configuration errors stop the run and are not retryable', () => {
    const error = new ConfigurationError('bad WSDL', { code: 'WSDL_UNAVAILABLE', fix });
    expect(error.stopsRun).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('recognises errors from another copy of the package through the symbol brand', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@mega-crm/core/MegaCrmError')]: true });
    expect(MegaCrmError.is(foreign)).toBe(true);
    expect(MegaCrmError.is(new Error('x'))).toBe(false);
    expect(MegaCrmError.is(new AlreadyRunningError())).toBe(true);
  });

  it('wraps unknown errors, masking PII in their text', () => {
    const wrapped = asMegaCrmError(new Error('failed for 529.982.247-25 joao@exemplo.com.br'));
    expect(wrapped.code).toBe('CRM_FAULT');
    expect(wrapped.message).not.toContain('529.982.247-25');
    expect(wrapped.message).not.toContain('joao@exemplo.com.br');
    expect(wrapped.cause).toBeInstanceOf(Error);
  });

  it('validation errors keep their issues and serialise without PII', () => {
    const error = new ValidationError('client 1-1-1 is invalid', [{ path: 'document', code: 'CPF_INVALID', message: 'bad' }], {});
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues[0]?.path).toBe('document');
    expect(error.toJSON()).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
  });
});
