const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const lookup = new Uint8Array(128);
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;

/** Standard base64 (with padding) of bytes; core has neither Buffer nor btoa. */
export function bytesToBase64(bytes: Uint8Array): string {
	let out = '';
	let i = 0;
	for (; i + 2 < bytes.length; i += 3) {
		const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
		out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
	}
	const rest = bytes.length - i;
	if (rest === 1) {
		const n = bytes[i]! << 16;
		out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + '==';
	} else if (rest === 2) {
		const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
		out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + '=';
	}
	return out;
}

/** Decodes standard base64; characters outside the alphabet are rejected. */
export function base64ToBytes(text: string): Uint8Array {
	const clean = text.replace(/=+$/, '');
	if (/[^A-Za-z0-9+/]/.test(clean)) throw new TypeError('base64: invalid character');
	const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
	let o = 0;
	for (let i = 0; i < clean.length; i += 4) {
		// Every character of clean is in the alphabet, so lookup is defined up to its end; i + 1 is past
		// the end only for a dangling sixth bit group (length % 4 === 1, not valid base64), where the
		// undefined shifts to 0 and out (floor(length * 3 / 4) bytes) has no room for that group anyway.
		const n = (lookup[clean.charCodeAt(i)]! << 18) | (lookup[clean.charCodeAt(i + 1)]! << 12) | ((lookup[clean.charCodeAt(i + 2)] ?? 0) << 6) | (lookup[clean.charCodeAt(i + 3)] ?? 0);
		if (o < out.length) out[o++] = n >> 16;
		if (o < out.length) out[o++] = (n >> 8) & 255;
		if (o < out.length) out[o++] = n & 255;
	}
	return out;
}
