/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, `undefined` members
 * dropped, non-finite numbers rejected. Two values that are equal as JSON serialize identically, so
 * the string can be hashed into a cache key.
 * @throws TypeError for values JSON cannot represent (functions, symbols, bigint, NaN) and for
 * nesting deeper than 1,000 levels (which is how cycles are caught without a Set per call).
 */
export function canonicalJson(value: unknown): string {
	return write(value, 0);
}

const maxDepth = 1000;

function write(v: unknown, depth: number): string {
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
			if (depth >= maxDepth) throw new TypeError('canonicalJson: nesting too deep (cyclic value?)');
			if (Array.isArray(v)) {
				let out = '[';
				for (let i = 0; i < v.length; i++) {
					if (i) out += ',';
					out += v[i] === undefined ? 'null' : write(v[i], depth + 1);
				}
				return out + ']';
			}
			const o = v as Record<string, unknown>;
			const keys = Object.keys(o).sort();
			let out = '{';
			let first = true;
			for (const k of keys) {
				const x = o[k];
				if (x === undefined) continue;
				if (!first) out += ',';
				first = false;
				out += JSON.stringify(k) + ':' + write(x, depth + 1);
			}
			return out + '}';
		}
		default:
			throw new TypeError(`canonicalJson: cannot encode a ${typeof v}`);
	}
}
