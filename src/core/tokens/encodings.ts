import cl100kRanks from 'gpt-tokenizer/bpeRanks/cl100k_base';
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { TiktokenEncoder } from './bytePairEncoder';
import type { EncodingName } from './types';

// Importing this module evaluates both rank tables (≈0.1 s, ≈3.5 MB of source); building an
// encoder adds ≈50 ms on first use. Extension-host code must not import it: it talks to the token
// worker (src/node/tokenWorkerClient.ts), so activation never waits for ranks.
const ranks = { o200k_base: o200kRanks, cl100k_base: cl100kRanks } as const;
const encoders = new Map<EncodingName, TiktokenEncoder>();

/** The encoder for `name`, built synchronously on first use and cached for the process. */
export function getEncoder(name: EncodingName): TiktokenEncoder {
	let encoder = encoders.get(name);
	if (!encoder) {
		encoder = new TiktokenEncoder(name, ranks[name]);
		encoders.set(name, encoder);
	}
	return encoder;
}
