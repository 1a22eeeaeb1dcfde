/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, `undefined` members
 * dropped, non-finite numbers rejected. Two values that are equal as JSON serialize identically, so
 * the string can be hashed into a cache key.
 * @throws TypeError for values JSON cannot represent (functions, symbols, bigint, NaN, cycles).
 */
export function canonicalJson(value: unknown): string {
	return write(value, new Set());
}

function write(v: unknown, seen: Set<object>): string {
	if (v === null) return 'null';
	switch (typeof v) {
		case 'string':
			return JSON.stringify(v);
		case 'boolean':
			return v ? 'true' : 'false';
		case 'number':
			if (!Number.isFinite(v)) throw new TypeError('canonicalJson: non-finite number');
			return JSON.stringify(v);
		case 'object': {
			if (seen.has(v)) throw new TypeError('canonicalJson: cyclic value');
			seen.add(v);
			let out: string;
			if (Array.isArray(v)) out = '[' + v.map(x => (x === undefined ? 'null' : write(x, seen))).join(',') + ']';
			else {
				const keys = Object.keys(v).filter(k => (v as Record<string, unknown>)[k] !== undefined).sort();
				out = '{' + keys.map(k => JSON.stringify(k) + ':' + write((v as Record<string, unknown>)[k], seen)).join(',') + '}';
			}
			seen.delete(v);
			return out;
		}
		default:
			throw new TypeError(`canonicalJson: cannot encode a ${typeof v}`);
	}
}
