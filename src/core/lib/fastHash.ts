/**
 * A fast, non-cryptographic 53-bit string hash (cyrb53-style: two multiplicative 32-bit lanes).
 * For identity of content inside one process (prompt-cache prefixes, replay segments), never for
 * security or persistence — use `sha256` there.
 */
export function fastHash(text: string, seed = 0): number {
	let h1 = 0xdeadbeef ^ seed;
	let h2 = 0x41c6ce57 ^ seed;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ ch, 2654435761);
		h2 = Math.imul(h2 ^ ch, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Folds a value into a running hash (order-sensitive), e.g. a prompt's segment keys one by one. */
export function mixHash(running: number, value: number): number {
	// Both inputs are ≤ 53-bit integers; mix their high and low 32-bit halves without allocating.
	const lo = (running >>> 0) ^ Math.imul((value >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
	const hi = ((running / 4294967296) >>> 0) ^ Math.imul(((value / 4294967296) >>> 0) ^ 0xc2b2ae35, 0x27d4eb2f);
	const h1 = Math.imul(lo ^ (lo >>> 16), 2246822507) ^ Math.imul(hi ^ (hi >>> 13), 3266489909);
	const h2 = Math.imul(hi ^ (hi >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
