import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SecretKey {
  id: string;
  key: Buffer;
}

export class SecretDecryptError extends Error {
  readonly code = 'SECRET_DECRYPT_FAILED';
}

/**
 * AES-256-GCM for secrets at rest (OAuth tokens, signing secrets). Stored form:
 * `v1.<keyId>.<iv b64>.<tag b64>.<ciphertext b64>`; the key id lets old rows decrypt after a key rotation.
 */
export class SecretBox {
  private readonly byId: Map<string, Buffer>;
  constructor(private readonly keys: readonly SecretKey[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`key ${k.id} must be 32 bytes`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return (this.keys[0] as SecretKey).id;
  }

  encrypt(plaintext: string): string {
    const { id, key } = this.keys[0] as SecretKey;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  decrypt(stored: string): string {
    const [version, keyId, iv, tag, body] = stored.split('.');
    const key = keyId ? this.byId.get(keyId) : undefined;
    if (version !== 'v1' || !key || !iv || !tag || body === undefined) {
      throw new SecretDecryptError(`cannot decrypt secret (key "${keyId ?? '?'}" unknown or value malformed)`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(`cannot decrypt secret with key "${keyId}": authentication failed`);
    }
  }

  /** True when the value was encrypted with an older key and should be re-encrypted. */
  needsRotation(stored: string): boolean {
    return stored.split('.')[1] !== this.currentKeyId;
  }
}
