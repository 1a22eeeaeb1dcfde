/**
 * Where the parts of a JSON document start, in UTF-16 offsets of its text: the elements of a root
 * array, and each key of a root object with its value (and, when the value is an array, its
 * elements). `JSON.parse` gives values without positions; the editor needs positions to show each
 * message's and each tool definition's share of a chat file above it (context attribution).
 *
 * Meant for text `JSON.parse` accepted: it does not validate, only tracks strings and nesting.
 */

interface JsonMember {
	/** Offset of the key's opening quote. */
	readonly key: number;
	/** Offset of the value's first character. */
	readonly value: number;
	/** Offsets of the elements when the value is an array. */
	readonly elements: readonly number[];
}

export interface JsonOutline {
	/** The root is an array: offsets of its elements. */
	readonly elements?: readonly number[];
	/** The root is an object: its members by key (the last one wins, as in `JSON.parse`). */
	readonly members?: ReadonlyMap<string, JsonMember>;
}

interface Frame {
	readonly kind: 'array' | 'object';
	/** An object expecting a key next (after `{` or `,`). */
	expectKey: boolean;
	/** The member this container is the value of (root members only). */
	readonly member?: { key: number; value: number; elements: number[] };
}

/** Reads a JSON string starting at the quote at `i`; returns its value and the offset after it. */
function readString(text: string, i: number): { value: string; end: number } {
	let j = i + 1;
	while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
	const raw = text.slice(i, j + 1);
	let value: string;
	try {
		value = JSON.parse(raw) as string;
	} catch {
		value = raw.slice(1, -1);
	}
	return { value, end: j + 1 };
}

export function outlineJson(text: string): JsonOutline {
	const rootElements: number[] = [];
	const members = new Map<string, { key: number; value: number; elements: number[] }>();
	const stack: Frame[] = [];
	let pendingKey: { name: string; offset: number } | undefined;
	let rootKind: 'array' | 'object' | undefined;

	/** A value starts at `i` in the innermost container. */
	const valueAt = (i: number): { key: number; value: number; elements: number[] } | undefined => {
		const top = stack[stack.length - 1]!;
		if (stack.length === 1 && top.kind === 'array') rootElements.push(i);
		else if (stack.length === 1 && top.kind === 'object' && pendingKey) {
			const member = { key: pendingKey.offset, value: i, elements: [] as number[] };
			members.set(pendingKey.name, member);
			pendingKey = undefined;
			return member;
		} else if (stack.length === 2 && top.kind === 'array' && top.member) top.member.elements.push(i);
		return undefined;
	};

	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ',' || c === ':') {
			if (c === ',' && stack.length > 0) {
				const top = stack[stack.length - 1]!;
				if (top.kind === 'object') top.expectKey = true;
			}
			i++;
			continue;
		}
		if (c === ']' || c === '}') {
			stack.pop();
			i++;
			continue;
		}
		const top = stack[stack.length - 1] as Frame | undefined;
		if (top?.kind === 'object' && top.expectKey && c === '"') {
			const { value, end } = readString(text, i);
			if (stack.length === 1) pendingKey = { name: value, offset: i };
			top.expectKey = false;
			i = end;
			continue;
		}
		// A value.
		const member = top ? valueAt(i) : undefined;
		if (c === '[' || c === '{') {
			const kind = c === '[' ? 'array' : 'object';
			if (!top) rootKind = kind;
			stack.push({ kind, expectKey: kind === 'object', ...(member && { member }) });
			i++;
		} else if (c === '"') i = readString(text, i).end;
		else {
			// A number, true, false or null: up to the next delimiter.
			while (i < text.length && !/[\s,\]}:]/.test(text[i]!)) i++;
		}
	}
	if (rootKind === 'array') return { elements: rootElements };
	if (rootKind === 'object') return { members };
	return {};
}

/** Offsets of the non-blank lines of a JSONL text (one JSON value per line). */
export function jsonlLineOffsets(text: string): number[] {
	const out: number[] = [];
	let start = 0;
	while (start <= text.length) {
		const nl = text.indexOf('\n', start);
		const end = nl === -1 ? text.length : nl;
		const line = text.slice(start, end);
		const lead = line.length - line.trimStart().length;
		if (line.trim() !== '') out.push(start + lead);
		if (nl === -1) break;
		start = nl + 1;
	}
	return out;
}
