/**
 * Some agent frameworks write Python `repr()` of lists/dicts into JSON string fields (SWE-agent 1.x
 * `history[].tool_calls` is `"[{'function': {...}, 'id': 'call_1', ...}]"`). This converts such a
 * literal (dict, list, str, int, float, True/False/None) to a value, or returns undefined.
 */
export function parsePythonLiteral(text: string): unknown {
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	try {
		return JSON.parse(trimmed);
	} catch {
		// not JSON: convert the Python literal below
	}
	const json = pythonToJson(trimmed);
	if (json === undefined) return undefined;
	try {
		return JSON.parse(json);
	} catch {
		return undefined;
	}
}

function pythonToJson(s: string): string | undefined {
	const out: string[] = [];
	let i = 0;
	const n = s.length;
	while (i < n) {
		const c = s[i]!;
		if (c === "'" || c === '"') {
			const quote = c;
			let value = '';
			i++;
			let closed = false;
			while (i < n) {
				const d = s[i];
				if (d === '\\') {
					const e = s[i + 1];
					if (e === undefined) return undefined;
					if (e === 'n') value += '\n';
					else if (e === 't') value += '\t';
					else if (e === 'r') value += '\r';
					else if (e === '\\' || e === "'" || e === '"') value += e;
					else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
						value += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
						i += 2;
					} else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
						value += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
						i += 4;
					} else value += '\\' + e;
					i += 2;
				} else if (d === quote) {
					i++;
					closed = true;
					break;
				} else {
					value += d;
					i++;
				}
			}
			if (!closed) return undefined;
			out.push(JSON.stringify(value));
		} else if (s.startsWith('True', i)) {
			out.push('true');
			i += 4;
		} else if (s.startsWith('False', i)) {
			out.push('false');
			i += 5;
		} else if (s.startsWith('None', i)) {
			out.push('null');
			i += 4;
		} else if (c === ')' || c === ']' || c === '}') {
			// Python allows a trailing comma; JSON does not.
			let k = out.length - 1;
			while (k >= 0 && /^\s$/.test(out[k]!)) k--;
			if (k >= 0 && out[k] === ',') out.splice(k, 1);
			out.push(c === ')' ? ']' : c);
			i++;
		} else if (c === '(') {
			out.push('[');
			i++;
		} else if (/[\s:,0-9.eE+-]/.test(c) || c === '[' || c === '{') {
			out.push(c);
			i++;
		} else return undefined;
	}
	return out.join('');
}
