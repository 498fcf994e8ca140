/** The README's "One error channel" example is this file's neighbour, verbatim, and it runs. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, SyncEngine } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';
import { syncOnce } from './readme-error-channel.example.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('./readme-error-channel.example.ts', import.meta.url), 'utf8');
let store: SqliteStore;
afterEach(async () => store?.close());

describe('README: one error channel', () => {
  it('shows the example file verbatim', () => {
    expect(readme).toContain(example.trim());
  });

  it('a stopped run resolves with its typed error, which the example reports', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    source.push(record('a'));
    const sink = new RecordingSink();
    sink.behaviour = () => {
      throw new ConfigurationError('Esse IP: 10.0.0.1 Não está permitido', { code: 'IP_NOT_ALLOWED', fix: { en: 'Allow the IP.', pt: 'Libere o IP.' } });
    };
    const lines: string[] = [];
    const previous = process.exitCode;
    const summary = await syncOnce(new SyncEngine({ source, sink, store }), (line) => lines.push(line));
    expect(process.exitCode).toBe(1);
    process.exitCode = previous;
    expect(summary.outcome).toBe('stopped');
    expect(summary.error).toBeInstanceOf(ConfigurationError);
    expect(lines).toEqual(['IP_NOT_ALLOWED: Esse IP: 10.0.0.1 Não está permitido\nAllow the IP.']);
  });

  it('a source or store failure resolves the same way, never as a rejection or a plain Error', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    source.read = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'execute')");
    };
    const summary = await new SyncEngine({ source, sink: new RecordingSink(), store }).run();
    expect(summary).toMatchObject({ outcome: 'stopped', error: { code: 'SOURCE_FAILED', retryable: true } });
    expect(summary.error?.fix.pt).toMatch(/Mega/);
    const closed = new SqliteStore({ path: ':memory:' });
    await closed.close();
    const broken = await new SyncEngine({ source: new ListSource(), sink: new RecordingSink(), store: closed }).run();
    expect(broken).toMatchObject({ outcome: 'stopped', error: { code: 'STORE_FAILED' } });
  });
});
