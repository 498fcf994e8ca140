import { describe, expect, it } from 'vitest';
import { completeCnpj, completeCpf, isValidCnpj, isValidCpf, maskDocument, onlyDigits } from '../src/domain/documents.js';

describe('CPF', () => {
  it('accepts known valid CPFs, formatted or not', () => {
    expect(isValidCpf('529.982.247-25')).toBe(true);
    expect(isValidCpf('52998224725')).toBe(true);
  });
  it('rejects wrong check digits, wrong lengths and repeated digits', () => {
    expect(isValidCpf('529.982.247-24')).toBe(false);
    expect(isValidCpf('5299822472')).toBe(false);
    expect(isValidCpf('111.111.111-11')).toBe(false);
    expect(isValidCpf('')).toBe(false);
  });
  it('completes a base with its check digits', () => {
    expect(completeCpf('529982247')).toBe('52998224725');
    for (let base = 100_000_000; base < 100_000_500; base++) expect(isValidCpf(completeCpf(String(base)))).toBe(true);
  });
});

describe('CNPJ', () => {
  it('accepts known valid CNPJs and rejects altered ones', () => {
    expect(isValidCnpj('11.222.333/0001-81')).toBe(true);
    expect(isValidCnpj('11.222.333/0001-82')).toBe(false);
    expect(isValidCnpj('00000000000000')).toBe(false);
    expect(isValidCnpj('1122233300018')).toBe(false);
  });
  it('completes a base with its check digits', () => {
    expect(completeCnpj('112223330001')).toBe('11222333000181');
    for (let root = 10_000_000; root < 10_000_300; root++) expect(isValidCnpj(completeCnpj(`${root}0001`))).toBe(true);
  });
});

describe('maskDocument', () => {
  it('keeps only the last two digits', () => {
    expect(maskDocument('529.982.247-25')).toBe('***.***.***-25');
    expect(maskDocument('11222333000181')).toBe('**.***.***/****-81');
    expect(onlyDigits('a1b2')).toBe('12');
  });
});
