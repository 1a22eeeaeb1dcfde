import { randomBytes } from 'node:crypto';

/** A fresh CSP nonce per rendered webview document. */
export function createNonce(): string {
	return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}
