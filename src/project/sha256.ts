import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

/** node:crypto, loaded on first use: most runs never hash anything. */
const requireBuiltin = createRequire(import.meta.url);

/** The SHA-256 of the bytes, in lower-case hex (as the ledger stores it). */
export function sha256Hex(bytes: Buffer): string {
  return (requireBuiltin('node:crypto') as typeof Crypto).createHash('sha256').update(bytes).digest('hex');
}
