/**
 * Removes API keys from text that may be shown, logged or recorded (SDK error messages, URLs).
 *
 * Defence in depth: the exact keys in use are removed, and so is anything that LOOKS like a key or a
 * masked key, because providers echo fragments (OpenAI: "Incorrect API key provided: sk-pro***…wxyz")
 * and a gateway may echo a key we were never told about.
 */
import { bytesToBase64 } from '../lib/base64';

export const redactedMarker = '[redacted]';

/** Key-shaped tokens: common vendor prefixes followed by a long opaque tail. */
const keyLike = /\b(?:sk|rk|pk|sess|key|api[-_]?key)[-_][A-Za-z0-9_\-]{12,}/gi;
/** Masked fragments: some key characters, asterisks, maybe an ellipsis and the last characters. */
const masked = /[A-Za-z0-9_\-]*\*{3,}(?:[.…]+)?[A-Za-z0-9_\-]*/g;
/** `Bearer <token>` and `x-api-key: <token>` echoed in error text. */
const authEcho = /\b(Bearer|x-api-key["']?\s*[:=])\s*["']?[^\s"',;]+/gi;

/** A run of at least this many characters of a known key (not all of it public prefix) is a leak. */
const minFragment = 10;

/** Vendor prefixes every key of a kind shares: a fragment must reach past them to count. */
const publicPrefix = /^(?:sk-ant-api\d\d-|sk-ant-|sk-proj-|sk-svcacct-|sk-)/;

const utf8 = new TextEncoder();

/**
 * The forms a key can be echoed in besides itself: its base64 at each of the three alignments a
 * key can start at inside a longer base64 text (a Basic auth header `user:key`, a config blob).
 * The edge characters, which depend on the neighbours, are dropped.
 */
function base64Forms(secret: string): string[] {
	const forms: string[] = [];
	for (let pad = 0; pad < 3; pad++) {
		const b64 = bytesToBase64(utf8.encode('\u0000'.repeat(pad) + secret)).replace(/=+$/, '');
		const skip = pad === 0 ? 0 : pad + 1;
		forms.push(b64.slice(skip, b64.length - 2));
	}
	return forms;
}

/**
 * Replaces every run of ≥ {@link minFragment} characters that also occurs in `secret` (a partial key
 * echoed without asterisks: "sk-proj-AbCdEf…wXyZ", or a slice of it), except runs that lie inside
 * the public prefix. Linear in the text: 10-character windows of the secret are indexed once.
 */
function redactFragments(text: string, secret: string, prefixLength: number): string {
	if (secret.length < minFragment) return text;
	const windows = new Map<string, number[]>();
	for (let i = 0; i + minFragment <= secret.length; i++) {
		const w = secret.slice(i, i + minFragment);
		const at = windows.get(w);
		if (at) at.push(i);
		else windows.set(w, [i]);
	}
	let out = '';
	let last = 0;
	for (let i = 0; i + minFragment <= text.length;) {
		const starts = windows.get(text.slice(i, i + minFragment));
		let end = -1;
		for (const s of starts ?? []) {
			let n = minFragment;
			while (i + n < text.length && s + n < secret.length && text[i + n] === secret[s + n]) n++;
			// A run inside the shared prefix (every key has it) is not a leak.
			if (s + n > prefixLength + 4) end = Math.max(end, i + n);
		}
		if (end < 0) {
			i++;
			continue;
		}
		out += text.slice(last, i) + redactedMarker;
		last = i = end;
	}
	return out + text.slice(last);
}

export function scrubSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
	let out = text;
	// Longest first, so a key that contains another key is removed whole.
	const exact = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4).sort((a, b) => b.length - a.length);
	for (const s of exact) out = out.split(s).join(redactedMarker);
	for (const s of exact) {
		out = redactFragments(out, s, publicPrefix.exec(s)?.[0].length ?? 0);
		for (const form of base64Forms(s)) out = redactFragments(out, form, 0);
	}
	return out
		.replace(authEcho, (_m, head: string) => `${head} ${redactedMarker}`)
		.replace(keyLike, redactedMarker)
		.replace(masked, redactedMarker);
}

/**
 * A URL safe to show: no user info, no query string or fragment (gateways put keys in both);
 * unparseable input is reduced to a placeholder rather than echoed.
 */
export function displayUrl(url: string): string {
	const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)([^?#]*)/i.exec(url.trim());
	return m ? `${m[1]}${m[2]}${m[3]}` : '(invalid URL)';
}
