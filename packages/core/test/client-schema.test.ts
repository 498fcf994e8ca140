import { describe, expect, it } from 'vitest';
import { ClientSchema } from '../src/domain/client.js';
import { validateRecord } from '../src/domain/validate.js';

const valid = {
  key: '1-1-1000',
  personType: 'F',
  name: 'João Conceição',
  document: '529.982.247-25',
  emails: ['joao@exemplo.com.br'],
  phones: ['(11) 98765-4321'],
  address: { city: 'São Paulo', state: 'SP', zip: '01001000' },
  maritalStatus: 'married',
  birthDate: '1980-02-29',
};

describe('ClientSchema', () => {
  it('normalises documents and phones to digits and keeps accents', () => {
    const client = ClientSchema.parse(valid);
    expect(client.document).toBe('52998224725');
    expect(client.phones).toEqual(['11987654321']);
    expect(client.name).toBe('João Conceição');
  });

  it('rejects a CPF with wrong check digits with a typed issue on `document`', () => {
    const result = validateRecord(ClientSchema, { ...valid, document: '529.982.247-24' }, { entity: 'client', key: '1-1-1000' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION_FAILED');
    expect(result.error.issues).toEqual([expect.objectContaining({ path: 'document', code: 'CPF_INVALID' })]);
    expect(result.error.message).not.toContain('529.982.247-24');
  });

  it('checks a company against CNPJ rules', () => {
    expect(ClientSchema.safeParse({ ...valid, personType: 'J', document: '11.222.333/0001-81' }).success).toBe(true);
    expect(ClientSchema.safeParse({ ...valid, personType: 'J', document: '529.982.247-25' }).success).toBe(false);
  });

  it('rejects unknown keys, bad e-mails, dates and UFs', () => {
    const result = validateRecord(
      ClientSchema,
      { ...valid, extra: 1, emails: ['nope'], birthDate: '1980-02-30', address: { state: 'São Paulo' } },
      { entity: 'client', key: 'k' },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.error.issues.map((i) => i.path).sort();
    expect(paths).toEqual(['(root)', 'address.state', 'birthDate', 'emails.0']);
  });
});
