import type { Role } from './roles';

/** A stored API key: never the secret itself, only its hash (key-hashing.ts). */
export interface ApiKeyRecord {
  keyId: string;
  name: string;
  roles: Role[];
  /** business_id prefixes the key is limited to; null: every business. */
  businessPrefixes: string[] | null;
  secretHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Where keys live (the control database: libs/auth/src/mysql). */
export interface ApiKeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  find(keyId: string): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when no such key (revoking twice is true: the key stays revoked). */
  revoke(keyId: string, at: Date): Promise<boolean>;
  /** Whether any key exists, revoked or not (the development key is made only when none does). */
  any(): Promise<boolean>;
}

export const API_KEY_STORE = Symbol('ApiKeyStore');
