import { describe, expect, it } from 'vitest';
import { ClientSchema } from '../src/domain/client.js';
import { normalizeEmails, normalizePhone, normalizePhones, padDocument } from '../src/domain/contact.js';
import { isValidCpf } from '../src/domain/documents.js';
import { validateDroppingFields } from '../src/domain/validate.js';

describe('phone policy: DDD + number, digits only, no country code', () => {
  it.each([
    ['11', '98765-4321', '11987654321'],
    ['011', '3222-1111', '1132221111'],
    ['11', '11987654321', '11987654321'], // DDD already in the number, and in its column
    ['21', '11987654321', '11987654321'], // the number's own DDD wins
    [null, '+55 (11) 98765-4321', '11987654321'],
    [null, '005511987654321', '11987654321'],
    [null, '011987654321', '11987654321'], // trunk zero
    ['48', '5511987654321', '11987654321'],
  ])('DDD %s, number %s → %s', (ddd, number, expected) => {
    expect(normalizePhone(ddd, number)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [null, '98765432', 'PHONE_NO_AREA_CODE'],
    ['1', '98765432', 'PHONE_NO_AREA_CODE'],
    ['11', '123', 'PHONE_INVALID'],
    ['11', '12345678901234', 'PHONE_INVALID'],
    [null, '0187654321', 'PHONE_INVALID'], // DDD 01 does not exist
  ])('DDD %s, number %s → %s', (ddd, number, code) => {
    expect(normalizePhone(ddd, number)).toMatchObject({ ok: false, code });
  });

  it('de-duplicates and names the dropped position; blank numbers are not news', () => {
    const result = normalizePhones([
      ['11', '987654321'],
      [null, '5511987654321'],
      [null, '  '],
      [null, '1234'],
    ]);
    expect(result.value).toEqual(['11987654321']);
    expect(result.warnings).toEqual([expect.objectContaining({ field: 'phones.3', code: 'PHONE_INVALID' })]);
  });
});

describe('e-mails and documents', () => {
  it('keeps the valid e-mails of every field and names the field of each invalid one', () => {
    const result = normalizeEmails([
      ['AGN_ST_EMAIL', 'Ana@Exemplo.com.br; ana@exemplo'],
      ['AGN_ST_OUTROSEMAILS', 'ana@exemplo.com.br, outra@exemplo.com.br'],
    ]);
    expect(result.value).toEqual(['ana@exemplo.com.br', 'outra@exemplo.com.br']);
    expect(result.warnings).toEqual([
      { field: 'emails (AGN_ST_EMAIL)', code: 'EMAIL_INVALID', message: '1 text(s) that are not a valid e-mail address: left out' },
    ]);
  });

  it('left-pads CPF (11) and CNPJ (14) lost leading zeros, from numbers and from text', () => {
    expect(padDocument(1234567890, 'F')).toBe('01234567890');
    expect(padDocument('1234567890.0', 'F')).toBe('01234567890');
    expect(padDocument('1.234.567/0001-95', 'J')).toBe('01234567000195');
    expect(padDocument(null, 'F')).toBe('');
    expect(isValidCpf(padDocument(1234567890, 'F'))).toBe(true);
  });
});

describe('validateDroppingFields', () => {
  const client = { key: 'k', personType: 'F', name: 'Ana', document: '52998224725', emails: [], phones: [], address: { zip: '123', state: 'SP' } };
  it('leaves out droppable fields with a warning each and validates the rest', () => {
    const result = validateDroppingFields(
      ClientSchema,
      { ...client, birthDate: '1980-02-30' },
      { entity: 'client', key: 'k' },
      (p) => p === 'address.zip' || p === 'birthDate',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.address).toEqual({ state: 'SP' });
    expect(result.value).not.toHaveProperty('birthDate');
    expect(result.warnings.map((w) => w.field).sort()).toEqual(['address.zip', 'birthDate']);
  });
  it('refuses the record when any issue is on a field that cannot be left out', () => {
    const result = validateDroppingFields(ClientSchema, { ...client, document: '52998224724' }, { entity: 'client', key: 'k' }, (p) => p === 'address.zip');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues.map((i) => i.path).sort()).toEqual(['address.zip', 'document']);
  });
});
