import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completeCnpj, completeCpf } from '../src/domain/documents.js';
import { MegaCrmError } from '../src/errors.js';
import { redactingLogger } from '../src/logger.js';
import { maskPii, redact, registerSecret } from '../src/redact.js';

describe('redaction (LGPD)', () => {
  it('masks CPF, CNPJ, e-mail and phone in free text', () => {
    const text = maskPii('CPF 529.982.247-25, CNPJ 11.222.333/0001-81, mail maria@exemplo.com.br, fone (11) 98765-4321');
    expect(text).not.toMatch(/529\.982|11\.222\.333|maria@|98765/);
    expect(text).toContain('***.***.***-25');
    expect(text).toContain('m***@exemplo.com.br');
  });

  it('masks structured values by key and hides secrets', () => {
    const out = redact({
      password: 'hunter2',
      senha: 'x',
      cpf: '52998224725',
      email: 'a@b.com',
      telefones: '11987654321',
      nested: { document: '11222333000181' },
      name: 'João',
    });
    expect(out).toEqual({
      password: '[redacted]',
      senha: '[redacted]',
      cpf: '***.***.***-25',
      email: 'a***@b.com',
      telefones: '*********21',
      nested: { document: '**.***.***/****-81' },
      name: 'João',
    });
  });

  it('the redacting logger never passes PII through', () => {
    const lines: unknown[] = [];
    const sink = { debug: () => {}, info: (o: object, m?: string) => lines.push([o, m]), warn: () => {}, error: () => {} };
    redactingLogger(sink).info({ cpf: '52998224725', password: 'p' }, 'sent 52998224725');
    expect(JSON.stringify(lines)).not.toMatch(/52998224725|"p"/);
  });
});

describe('redaction in linear time', () => {
  const MB = 1024 * 1024;
  const hostile = {
    'word characters (the old e-mail pattern: quadratic)': 'a'.repeat(MB),
    'dotted words': 'a.'.repeat(MB / 2),
    'at signs': 'a@'.repeat(MB / 2),
    'an e-mail domain that never ends': `a@${'b'.repeat(MB - 2)}`,
    digits: '1'.repeat(MB),
    'digits and separators': '12.'.repeat(MB / 3),
    'phone-like groups': '(11) 9876 '.repeat(MB / 10),
    'accented letters': 'ção'.repeat(MB / 3),
  };

  // CPU time, best of 5: the machine is shared, so wall time measures the neighbours; a quadratic
  // pattern costs seconds on these inputs, a linear one a few tens of ms.
  it.each(Object.entries(hostile))('masks 1 MB of %s in under 50 ms', (_name, text) => {
    maskPii(text.slice(0, 1000)); // compile the patterns first
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 5 && best >= 50; run++) {
      const started = process.cpuUsage();
      maskPii(text);
      const used = process.cpuUsage(started);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    expect(best).toBeLessThan(50);
  });
});

describe('redaction forms', () => {
  it.each([
    ['digits glued to text', 'ID_52998224725', '52998224725'],
    ['a CNPJ glued to text', 'cnpj11222333000181x', '11222333000181'],
    ['an 8-digit phone', 'ligar 98765432 hoje', '98765432'],
    ['a landline with a dash', 'fone 3456-7890', '3456-7890'],
    ['a 13-digit phone', 'whatsapp 5511987654321', '5511987654321'],
    ['a spaced phone', 'tel 11 98765 4321.', '98765 4321'],
    ['an international phone', 'tel +55 (11) 98765-4321', '98765-4321'],
    ['a non-ASCII e-mail', 'escreva para joão.conceição@exemplo.com.br', 'joão.conceição@'],
    ['an e-mail with a non-ASCII domain', 'maria@exêmplo.com', 'maria@'],
  ])('masks %s', (_name, text, secret) => {
    expect(maskPii(text)).not.toContain(secret);
  });

  it('keeps what is not PII readable', () => {
    const text = 'run 2026-01-15T12:00:00.000Z took 15007 ms, 428 records, CEP 01001-000, key 1-1-1000';
    expect(maskPii(text)).toBe(text);
  });

  it('scrubs a registered secret by value from messages, errors, toJSON, util.inspect and logs, until unregistered', () => {
    const unregister = registerSecret('Pa&ss<w0rd>');
    try {
      const echoed = 'login failed for integra.mega/Pa&ss<w0rd> (Pa&amp;ss&lt;w0rd&gt;, Pa%26ss%3Cw0rd%3E)';
      expect(maskPii(echoed)).toBe('login failed for integra.mega/[redacted] ([redacted], [redacted])');
      const error = new MegaCrmError(maskPii(echoed), { code: 'AUTH_FAILED', fix: { en: 'x', pt: 'x' } });
      for (const output of [error.message, JSON.stringify(error), inspect(error, { depth: 5 })]) expect(output).not.toMatch(/w0rd/);
      const lines: unknown[] = [];
      const sink = { debug: () => {}, info: (o: object, m?: string) => lines.push([o, m]), warn: () => {}, error: () => {} };
      redactingLogger(sink).info({ note: echoed, error: new Error(echoed) }, echoed);
      expect(JSON.stringify(lines)).not.toMatch(/w0rd/);
    } finally {
      unregister();
    }
    expect(maskPii('Pa&ss<w0rd>')).toBe('Pa&ss<w0rd>');
  });

  it('scrubs TLS key material line by line', () => {
    const key = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n`;
    const unregister = registerSecret(Buffer.from(key));
    try {
      expect(maskPii('bad key line BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj here')).toBe('bad key line [redacted] here');
    } finally {
      unregister();
    }
  });
});

describe('redaction property', () => {
  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
  const cpf = digits(9)
    .map(completeCpf)
    .filter((d) => !/^(\d)\1+$/.test(d))
    .chain((d) => fc.constantFrom(d, `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`));
  const cnpj = digits(12)
    .map(completeCnpj)
    .chain((d) => fc.constantFrom(d, `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}/${d.slice(8, 12)}-${d.slice(12)}`));
  const phone = fc
    .tuple(digits(2), fc.constantFrom('', '9'), digits(4), digits(4), fc.constantFrom('', '-', ' '), fc.integer({ min: 0, max: 4 }))
    .map(
      ([ddd, nine, a, b, sep, shape]) =>
        [
          `${nine}${a}${sep}${b}`,
          `(${ddd}) ${nine}${a}${sep}${b}`,
          `${ddd} ${nine}${a}${sep}${b}`,
          `+55 ${ddd} ${nine}${a}${sep}${b}`,
          `55${ddd}${nine}${a}${b}`,
        ][shape] as string,
    );
  const label = fc.stringMatching(/^[a-zà-öø-ÿ0-9]{1,12}$/);
  const email = fc
    .tuple(fc.stringMatching(/^[a-zà-öø-ÿ0-9][a-zà-öø-ÿ0-9._+-]{0,15}$/), label, label)
    .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
  const secret = fc.stringMatching(/^[A-Za-z0-9!#%&<>]{8,24}$/).filter((s) => /[A-Za-z]/.test(s) && /[^A-Za-z]/.test(s));
  // Filler never starts or ends with what would glue to an item and change what it is (a digit, an e-mail character).
  const filler = fc.string({ maxLength: 40 }).map((s) => ` ${s} `);
  const item = fc.oneof(
    cpf.map((v) => ({ kind: 'cpf', value: v })),
    cnpj.map((v) => ({ kind: 'cnpj', value: v })),
    phone.map((v) => ({ kind: 'phone', value: v })),
    email.map((v) => ({ kind: 'email', value: v })),
    secret.map((v) => ({ kind: 'secret', value: v })),
  );

  it('no CPF, CNPJ, e-mail, phone or registered secret embedded in random text survives', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, item), { minLength: 1, maxLength: 6 }), filler, (parts, tail) => {
        const unregister = parts.filter(([, i]) => i.kind === 'secret').map(([, i]) => registerSecret(i.value));
        try {
          const text = parts.map(([f, i]) => `${f}${i.value}`).join('') + tail;
          const masked = maskPii(text);
          for (const [, i] of parts) {
            expect(masked).not.toContain(i.value);
            if (i.kind !== 'email' && i.kind !== 'secret') {
              const run = i.value.replace(/\D+/g, '');
              expect(masked.replace(/[^\d*]+/g, '')).not.toContain(run.slice(0, -2));
            }
          }
        } finally {
          for (const fn of unregister) fn();
        }
      }),
      { numRuns: 500 },
    );
  });
});
