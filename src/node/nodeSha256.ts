import { createHash } from 'node:crypto';

/** SHA-256 hex of a string's UTF-8 bytes via node:crypto; same digests as core's pure `sha256`, faster on large inputs. */
export function nodeSha256(text: string): string {
	return createHash('sha256').update(text, 'utf8').digest('hex');
}
