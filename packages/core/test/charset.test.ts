import { describe, expect, it } from 'vitest';
import { fitRecordText, fitText } from '../src/domain/charset.js';

const ref = { entity: 'client', key: '1-1-7' } as const;

describe('charset policy (ISO-8859-1 CRM)', () => {
  it('leaves Latin-1 text (Portuguese accents) as it is', () => {
    expect(fitText('João Conceição, Ângela — não', 'UTF-8')).toEqual({ value: 'João Conceição, Ângela — não', changed: false });
    expect(fitText('João Conceição Ângela ç ß ñ', 'ISO-8859-1')).toEqual({ value: 'João Conceição Ângela ç ß ñ', changed: false });
  });

  it('transliterates what Latin-1 cannot hold to the closest text, `?` when there is none', () => {
    expect(fitText('“Edifício” – Ł€ōdź… 🏠', 'ISO-8859-1')).toEqual({ value: '"Edifício" - LEURodz... ?', changed: true });
  });

  it('transliterate: the record goes with one warning per changed field, never the value', () => {
    const result = fitRecordText(
      { name: 'Zoë “Zé” Łukasz', address: { street: 'Rua São João' }, emails: ['a@b.com'] },
      { charset: 'ISO-8859-1', onUnrepresentable: 'transliterate' },
      ref,
    );
    expect(result).toEqual({
      ok: true,
      value: { name: 'Zoë "Zé" Lukasz', address: { street: 'Rua São João' }, emails: ['a@b.com'] },
      warnings: [{ field: 'name', code: 'TEXT_TRANSLITERATED', message: 'characters outside ISO-8859-1 replaced by their closest text' }],
    });
  });

  it('finds text outside Latin-1 deep in arrays of objects; a record that fits is passed on as it is, not copied', () => {
    const policy = { charset: 'ISO-8859-1', onUnrepresentable: 'transliterate' } as const;
    const deep = fitRecordText({ name: 'Ana', buyers: [{ cpf: '1' }, { notes: ['ok', 'casa’s'] }] }, policy, ref);
    expect(deep).toMatchObject({ ok: true, value: { buyers: [{ cpf: '1' }, { notes: ['ok', "casa's"] }] }, warnings: [{ field: 'buyers.1.notes.1' }] });
    const fitting = { name: 'José', buyers: [{ notes: ['ação'] }], total: 3 };
    const same = fitRecordText(fitting, policy, ref);
    expect(same.ok && same.value).toBe(fitting);
  });

  it('error: a typed TEXT_NOT_IN_CHARSET naming the fields', () => {
    const result = fitRecordText({ name: 'Łukasz', address: { city: 'Kraków' } }, { charset: 'ISO-8859-1', onUnrepresentable: 'error' }, ref);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('TEXT_NOT_IN_CHARSET');
    expect(result.error.details).toMatchObject({ fields: ['name'], key: '1-1-7' });
  });

  it('UTF-8 CRM: every text passes unchanged', () => {
    expect(fitRecordText({ name: 'Łukasz 🏠' }, { charset: 'UTF-8', onUnrepresentable: 'error' }, ref)).toEqual({
      ok: true,
      value: { name: 'Łukasz 🏠' },
      warnings: [],
    });
  });
});
