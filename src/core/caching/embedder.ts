import type { Embedder } from '../ports/embedder';

/** FNV-1a 32-bit. */
function fnv1a(s: string, seed = 0x811c9dc5): number {
	let h = seed >>> 0;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

export interface OfflineEmbedder extends Embedder {
	embedSync(text: string): Float32Array;
}

/**
 * A deterministic embedder that needs no model download and makes no call: signed feature hashing
 * of word unigrams, word bigrams and character trigrams, L2-normalized. It captures lexical overlap
 * (rephrasings that keep most words, whitespace/case/punctuation changes), not meaning; that is what
 * a 0.95 threshold should match anyway. ≈ 10–30 µs per prompt.
 */
export function createOfflineEmbedder(dims = 256): OfflineEmbedder {
	const embedSync = (text: string): Float32Array => {
		const v = new Float32Array(dims);
		const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
		const add = (feature: string, w: number) => {
			const h = fnv1a(feature);
			v[h % dims] += h & 0x80000000 ? -w : w;
		};
		for (let i = 0; i < words.length; i++) {
			const w = words[i];
			add('w:' + w, 1);
			if (i > 0) add('b:' + words[i - 1] + ' ' + w, 0.8);
			const padded = `^${w}$`;
			for (let j = 0; j + 3 <= padded.length; j++) add('c:' + padded.slice(j, j + 3), 0.25);
		}
		let norm = 0;
		for (let i = 0; i < dims; i++) norm += v[i] * v[i];
		if (norm > 0) {
			const inv = 1 / Math.sqrt(norm);
			for (let i = 0; i < dims; i++) v[i] *= inv;
		}
		return v;
	};
	return {
		id: `offline-ngram-v1-${dims}`,
		dims,
		embedSync,
		async embed(texts) {
			return texts.map(embedSync);
		},
	};
}

/** Cosine similarity of two L2-normalized vectors (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i] * b[i];
	return s;
}
