import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectRedis } from './connect.ts';

describe('store passwords', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-password-'));
  const file = join(dir, 'password');
  writeFileSync(file, 's3cret\n');

  it('reads passwordFile (a mounted Secret key, its trailing newline dropped) before passwordEnv', () => {
    process.env.KELEMETRY_TEST_PASSWORD = 'from-env';
    const fromFile = connectRedis({ url: 'redis://127.0.0.1:1', passwordFile: file, passwordEnv: 'KELEMETRY_TEST_PASSWORD' } as never);
    const fromEnv = connectRedis({ url: 'redis://127.0.0.1:1', passwordEnv: 'KELEMETRY_TEST_PASSWORD' } as never);
    try {
      expect(fromFile.options.password).toBe('s3cret');
      expect(fromEnv.options.password).toBe('from-env');
    } finally {
      fromFile.disconnect();
      fromEnv.disconnect();
    }
  });

  it('names the store and the file it cannot read', () => {
    expect(() => connectRedis({ url: 'redis://127.0.0.1:1', passwordFile: join(dir, 'missing') } as never)).toThrow(/stores.redis: cannot read passwordFile .*missing/);
  });
});
