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
	/**
	 * Adds the features of `text` to an un-normalized vector (see {@link normalizedCopy}), continuing
	 * after `previousWord` (the last word of text added before; a word bigram spans the two), and
	 * returns the last word. Adding the parts of a text in order gives the same vector as embedding
	 * it whole when the parts are separated by non-word characters — how a replay keeps a running
	 * embedding of a growing conversation without re-reading it.
	 */
	addFeatures(vector: Float32Array, text: string, previousWord?: string): string | undefined;
}

/** An L2-normalized copy of a vector (zero stays zero). */
export function normalizedCopy(v: Float32Array): Float32Array {
	const out = new Float32Array(v);
	let norm = 0;
	for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
	if (norm > 0) {
		const inv = 1 / Math.sqrt(norm);
		for (let i = 0; i < out.length; i++) out[i]! *= inv;
	}
	return out;
}

/**
 * A deterministic embedder that needs no model download and makes no call: signed feature hashing
 * of word unigrams, word bigrams and character trigrams, L2-normalized. It captures lexical overlap
 * (rephrasings that keep most words, whitespace/case/punctuation changes), not meaning; that is what
 * a 0.95 threshold should match anyway. ≈ 10–30 µs per prompt.
 */
export function createOfflineEmbedder(dims = 256): OfflineEmbedder {
	const addFeatures = (v: Float32Array, text: string, previousWord?: string): string | undefined => {
		const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
		const add = (feature: string, w: number) => {
			const h = fnv1a(feature);
			v[h % dims]! += h & 0x80000000 ? -w : w;
		};
		let prev = previousWord;
		for (const w of words) {
			add('w:' + w, 1);
			if (prev !== undefined) add('b:' + prev + ' ' + w, 0.8);
			const padded = `^${w}$`;
			for (let j = 0; j + 3 <= padded.length; j++) add('c:' + padded.slice(j, j + 3), 0.25);
			prev = w;
		}
		return prev;
	};
	const embedSync = (text: string): Float32Array => {
		const v = new Float32Array(dims);
		addFeatures(v, text);
		return normalizedCopy(v);
	};
	return {
		id: `offline-ngram-v1-${dims}`,
		dims,
		embedSync,
		addFeatures,
		async embed(texts) {
			return texts.map(embedSync);
		},
	};
}

/** Cosine similarity of two L2-normalized vectors (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
	return s;
}
