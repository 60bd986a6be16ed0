import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SecretBox, SecretDecryptError } from './secrets.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

describe('SecretBox', () => {
  it('round-trips and never stores the plaintext', () => {
    const box = new SecretBox([k1]);
    const stored = box.encrypt('refresh-token-value');
    expect(stored).not.toContain('refresh-token-value');
    expect(stored.startsWith('v1.k1.')).toBe(true);
    expect(box.decrypt(stored)).toBe('refresh-token-value');
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('decrypts values of an older key after rotation and flags them', () => {
    const old = new SecretBox([k1]).encrypt('secret');
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.decrypt(old)).toBe('secret');
    expect(rotated.needsRotation(old)).toBe(true);
    expect(rotated.needsRotation(rotated.encrypt('secret'))).toBe(false);
  });

  it('rejects tampered values and unknown keys', () => {
    const box = new SecretBox([k1]);
    const stored = box.encrypt('secret');
    const parts = stored.split('.');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => box.decrypt(parts.join('.'))).toThrow(SecretDecryptError);
    expect(() => new SecretBox([k2]).decrypt(stored)).toThrow(/key "k1" unknown/);
  });
});
