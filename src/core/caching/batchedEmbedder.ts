import type { Embedder } from '../ports/embedder';

/**
 * Splits large `embed` calls into requests of at most `batchSize` texts (`embedding_batch_size`,
 * agentCost.embeddings.batchSize), sent one after another so a provider's rate limit sees one
 * request at a time. Order is preserved.
 */
export function batchedEmbedder(inner: Embedder, batchSize: number): Embedder {
	if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
	return {
		id: inner.id,
		dims: inner.dims,
		...(inner.billedModel !== undefined && { billedModel: inner.billedModel }),
		...(inner.maxInputTokens !== undefined && { maxInputTokens: inner.maxInputTokens }),
		async embed(texts, signal) {
			const out: Float32Array[] = [];
			for (let i = 0; i < texts.length; i += batchSize) {
				signal?.throwIfAborted();
				out.push(...(await inner.embed(texts.slice(i, i + batchSize), signal)));
			}
			return out;
		},
	};
}
