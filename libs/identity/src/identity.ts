import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';

/**
 * A worker's identity as the recipient entitled to it receives it: the NIR, or the INS with its
 * assigning authority, and the traits the sender gave. The hub cannot check an INS against the
 * national INS service, so it never presents one as qualified.
 */
export interface WorkerIdentity {
  nir?: string;
  ins?: { value: string; oid: string; qualified: false };
  birthName?: string;
  firstNames?: string;
  birthDate?: string;
  sex?: 'M' | 'F';
}

/** What an intake received about the worker (the contracts' Worker). */
export interface ReceivedWorker {
  nir?: string;
  ins?: { value: string; oid: string };
  birthName?: string;
  firstNames?: string;
  birthDate?: string;
  sex?: 'M' | 'F';
}

export function identityOf(w: ReceivedWorker): WorkerIdentity {
  return {
    ...(w.nir ? { nir: w.nir } : {}),
    ...(w.ins ? { ins: { value: w.ins.value, oid: w.ins.oid, qualified: false as const } } : {}),
    ...(w.birthName ? { birthName: w.birthName } : {}),
    ...(w.firstNames ? { firstNames: w.firstNames } : {}),
    ...(w.birthDate ? { birthDate: w.birthDate } : {}),
    ...(w.sex ? { sex: w.sex } : {}),
  };
}

/** A sealed identity: the key it was sealed with, and IV (12 bytes) ‖ tag (16 bytes) ‖ ciphertext. */
export interface SealedIdentity {
  keyId: string;
  sealed: Buffer;
}

/**
 * AES-256-GCM with the keys of the configuration. New identities are sealed with the active
 * key; any key still listed opens what it sealed, so a key is replaced by adding the new one,
 * making it active, and re-sealing (IdentityVault.reseal) before the old one is removed.
 */
export class IdentityKeyring {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    keys: Record<string, string>,
    private readonly activeKeyId: string,
  ) {
    for (const [id, b64] of Object.entries(keys)) {
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`identity key ${id} is not 32 bytes`);
      this.keys.set(id, key);
    }
    if (!this.keys.has(activeKeyId)) throw new Error(`no identity key ${activeKeyId}`);
  }

  get active(): string {
    return this.activeKeyId;
  }

  /** The person pseudonym is bound as associated data: the identity opens only on its own row. */
  seal(person: string, identity: WorkerIdentity): SealedIdentity {
    return this.sealBytes(person, Buffer.from(JSON.stringify(identity), 'utf8'));
  }

  open(person: string, s: SealedIdentity): WorkerIdentity {
    return JSON.parse(this.openBytes(person, s).toString('utf8')) as WorkerIdentity;
  }

  /**
   * Any bytes that may hold an identity (a dead letter's original message), bound to the record
   * that keeps them (`context`, e.g. its id): they open only there.
   */
  sealBytes(context: string, bytes: Buffer): SealedIdentity {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(bytes), cipher.final()]);
    return { keyId: this.activeKeyId, sealed: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  openBytes(context: string, s: SealedIdentity): Buffer {
    const key = this.keys.get(s.keyId);
    if (!key) throw new Error(`sealed with key ${s.keyId}, which the configuration no longer has`);
    const decipher = createDecipheriv('aes-256-gcm', key, s.sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(s.sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(s.sealed.subarray(28)), decipher.final()]);
  }
}
