import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * SPEC §2.6 — health information is encrypted at rest with AES-256-GCM under a key derived from
 * the service secret (HKDF-SHA256). Each value is a self-describing envelope
 * `v1:<keyId>:<iv>:<ciphertext+tag>` (base64url parts): the key id names the key that sealed it, so
 * after a secret rotation the previous secrets' keys still open old values (issue 13 item 2) while
 * new ones are sealed under the current key. The additional authenticated data binds a value to its
 * place (`table.column:rowId`), so a ciphertext copied to another row fails to open.
 */
export class PhiCipher {
  private readonly keys = new Map<string, Buffer>();
  /** The key new values are sealed under. */
  readonly keyId: string;

  constructor(secret: Buffer, previousSecrets: readonly Buffer[] = []) {
    this.keyId = PhiCipher.keyIdFor(secret);
    this.keys.set(this.keyId, deriveKey(secret));
    for (const previous of previousSecrets) {
      const id = PhiCipher.keyIdFor(previous);
      if (!this.keys.has(id)) this.keys.set(id, deriveKey(previous));
    }
  }

  /** The public key id of the key a secret derives (what envelopes sealed under it start with). */
  static keyIdFor(secret: Buffer): string {
    return keyIdOf(deriveKey(secret));
  }

  /** The key id an envelope names, or undefined when the value is not an envelope. */
  static keyIdOf(envelope: string): string | undefined {
    const match = /^v1:([0-9a-f]{12}):/.exec(envelope);
    return match?.[1];
  }

  /** True when this cipher holds the key `keyId` names (current or previous). */
  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** The same plaintext sealed again under the current key, in the same place. */
  reseal(envelope: string, context: string): string {
    return this.encrypt(this.decrypt(envelope, context), context);
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keys.get(this.keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.keyId, iv.toString('base64url'), body.toString('base64url')].join(':');
  }

  decrypt(envelope: string, context: string): string {
    const [version, keyId, ivText, bodyText, ...rest] = envelope.split(':');
    if (version !== VERSION || !keyId || !ivText || !bodyText || rest.length > 0) {
      throw new Error('not an encrypted value');
    }
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no key ${keyId} to decrypt with (was QUALIFY_SECRET changed?)`);
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  encryptJson(value: unknown, context: string): string {
    return this.encrypt(JSON.stringify(value), context);
  }

  decryptJson<T>(envelope: string, context: string): T {
    return JSON.parse(this.decrypt(envelope, context)) as T;
  }
}

function deriveKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'qualify/phi', 'aes-256-gcm v1', 32));
}

/** A public fingerprint of the key (never the key itself). */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('qualify/phi key id').update(key).digest('hex').slice(0, 12);
}
