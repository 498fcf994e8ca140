import { describe, expect, it } from 'vitest';
import { redactingLogger } from '../src/logger.js';
import { maskPii, redact } from '../src/redact.js';

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
