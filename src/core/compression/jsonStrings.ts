/**
 * String values of a JSON text located by path and character span, so a compression can rewrite
 * the text inside chosen strings and leave every other byte of the file — keys, numbers,
 * structure, indentation — exactly as the author wrote it.
 */

export type JsonPath = readonly (string | number)[];

export interface JsonStringValue {
	readonly path: JsonPath;
	/** Offsets of the string literal, quotes included (`end` exclusive). */
	readonly start: number;
	readonly end: number;
	readonly value: string;
}

type Frame = { kind: 'object'; key: string | undefined; expectKey: boolean } | { kind: 'array'; index: number };

/**
 * Every string value (not key) of one JSON text, in order, with its path; `base` prefixes each path
 * and `offset` shifts each span (for a line of a JSONL file). Undefined when the text is not JSON.
 */
export function jsonStringValues(text: string, base: JsonPath = [], offset = 0): JsonStringValue[] | undefined {
	try {
		JSON.parse(text);
	} catch {
		return undefined;
	}
	const out: JsonStringValue[] = [];
	const stack: Frame[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		const top = stack[stack.length - 1];
		switch (c) {
			case '{':
				stack.push({ kind: 'object', key: undefined, expectKey: true });
				break;
			case '[':
				stack.push({ kind: 'array', index: 0 });
				break;
			case '}':
			case ']':
				stack.pop();
				break;
			case ':':
				if (top?.kind === 'object') top.expectKey = false;
				break;
			case ',':
				if (top?.kind === 'object') top.expectKey = true;
				else if (top?.kind === 'array') top.index++;
				break;
			case '"': {
				let j = i + 1;
				while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
				const value = JSON.parse(text.slice(i, j + 1)) as string;
				if (top?.kind === 'object' && top.expectKey) top.key = value;
				else out.push({ path: [...base, ...stack.map(f => (f.kind === 'object' ? (f.key ?? '') : f.index))], start: offset + i, end: offset + j + 1, value });
				i = j;
				break;
			}
			default:
			// whitespace, numbers, true/false/null: nothing to track
		}
	}
	return out;
}

/**
 * The text with the given string literals replaced by the JSON encoding of their new values.
 * Spans must not overlap; everything outside them is kept byte for byte.
 */
export function replaceJsonStrings(text: string, edits: readonly { readonly start: number; readonly end: number; readonly value: string }[]): string {
	let out = '';
	let last = 0;
	for (const e of [...edits].sort((a, b) => a.start - b.start)) {
		out += text.slice(last, e.start) + JSON.stringify(e.value);
		last = e.end;
	}
	return out + text.slice(last);
}
