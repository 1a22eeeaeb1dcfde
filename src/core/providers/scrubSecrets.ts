/**
 * Removes API keys from text that may be shown, logged or recorded (SDK error messages, URLs).
 *
 * Defence in depth: the exact keys in use are removed, and so is anything that LOOKS like a key or a
 * masked key, because providers echo fragments (OpenAI: "Incorrect API key provided: sk-pro***…wxyz")
 * and a gateway may echo a key we were never told about.
 */
export const redactedMarker = '[redacted]';

/** Key-shaped tokens: common vendor prefixes followed by a long opaque tail. */
const keyLike = /\b(?:sk|rk|pk|sess|key|api[-_]?key)[-_][A-Za-z0-9_\-]{12,}/gi;
/** Masked fragments: some key characters, asterisks, maybe an ellipsis and the last characters. */
const masked = /[A-Za-z0-9_\-]*\*{3,}(?:[.…]+)?[A-Za-z0-9_\-]*/g;
/** `Bearer <token>` and `x-api-key: <token>` echoed in error text. */
const authEcho = /\b(Bearer|x-api-key["']?\s*[:=])\s*["']?[^\s"',;]+/gi;

export function scrubSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
	let out = text;
	// Longest first, so a key that contains another key is removed whole.
	const exact = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4).sort((a, b) => b.length - a.length);
	for (const s of exact) out = out.split(s).join(redactedMarker);
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
