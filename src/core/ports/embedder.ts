/** Turns texts into vectors for the semantic cache. Live mode may use a provider API; the default is offline. */
export interface Embedder {
	/** Identifies the vector space: vectors from different ids are never compared. */
	readonly id: string;
	readonly dims: number;
	/**
	 * The priced model a paid embedder calls (e.g. `text-embedding-3-small`): the policy engine
	 * reserves and charges each embedding to the run's budget, counting its input with that model's
	 * tokenizer. Absent for free (offline) embedders.
	 */
	readonly billedModel?: string;
	/** The longest input the model takes, in its tokens: longer requests are not embedded (the provider would refuse them). */
	readonly maxInputTokens?: number;
	embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}
