import { get_encoding, type Tiktoken } from 'tiktoken';
import type { EncodingName } from '../../src/core/tokens/types';

// The reference is tiktoken's Rust core compiled to WASM (npm `tiktoken`, devDependency), called
// with `encode_ordinary`: special-token text is plain text, as in the OpenAI API.

const references = new Map<EncodingName, Tiktoken>();

/** tiktoken's encoder for `name`, created once per test process; free them with {@link freeReferences}. */
export function tiktokenReference(name: EncodingName): Tiktoken {
	let enc = references.get(name);
	if (!enc) references.set(name, (enc = get_encoding(name)));
	return enc;
}

/** Frees the WASM encoders (call from a root `after` hook). */
export function freeReferences(): void {
	for (const enc of references.values()) enc.free();
	references.clear();
}
