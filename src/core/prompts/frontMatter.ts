/**
 * Prompt-file front matter: the YAML subset prompt files use (nested maps, scalars, block scalars,
 * lists) and what it says about the call — the model, its output limit and temperature, with
 * Prompty's nested `model.configuration` / `model.parameters` form.
 */

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface YamlLine {
	readonly indent: number;
	readonly text: string;
}

function scalar(raw: string): Yaml {
	const s = raw.trim();
	if (s === '' || s === '~' || s === 'null') return null;
	if (s === 'true') return true;
	if (s === 'false') return false;
	if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
	if ((s.startsWith('"') && s.endsWith('"') && s.length >= 2) || (s.startsWith("'") && s.endsWith("'") && s.length >= 2)) {
		const inner = s.slice(1, -1);
		return s[0] === '"' ? inner.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\') : inner.replace(/''/g, "'");
	}
	// A trailing comment is not part of a plain scalar.
	return s.replace(/\s+#.*$/, '');
}

/** Parses lines[i…] that are indented more than `parent` into a map or a list. */
function parseBlock(lines: readonly YamlLine[], from: number, parent: number): { value: Yaml; next: number } {
	const skipBlank = (i: number) => {
		while (i < lines.length && lines[i]!.text === '') i++;
		return i;
	};
	const start = skipBlank(from);
	const first = lines[start];
	if (first === undefined || first.indent <= parent) return { value: null, next: from };
	const indent = first.indent;
	if (first.text.startsWith('- ') || first.text === '-') {
		const list: Yaml[] = [];
		let i = start;
		while ((i = skipBlank(i)) < lines.length && lines[i]!.indent === indent && (lines[i]!.text.startsWith('- ') || lines[i]!.text === '-')) {
			const item = lines[i]!.text.slice(1).trim();
			i++;
			if (item === '') {
				const sub = parseBlock(lines, i, indent);
				list.push(sub.value);
				i = sub.next;
			} else list.push(scalar(item));
			while (i < lines.length && (lines[i]!.indent > indent || lines[i]!.text === '')) i++; // nested item maps: not needed
		}
		return { value: list, next: i };
	}
	const map: { [key: string]: Yaml } = {};
	let i = start;
	while ((i = skipBlank(i)) < lines.length && lines[i]!.indent === indent) {
		const m = /^([^:#][^:]*?)\s*:(?:\s+(.*)|\s*)$/.exec(lines[i]!.text);
		if (!m) {
			i++;
			continue;
		}
		const key = m[1]!.trim().replace(/^["']|["']$/g, '');
		const rest = (m[2] ?? '').trim();
		i++;
		if (/^[|>][+-]?$/.test(rest)) {
			const body: string[] = [];
			let blockIndent: number | undefined;
			while (i < lines.length && (lines[i]!.indent > indent || lines[i]!.text === '')) {
				const line = lines[i]!;
				blockIndent ??= line.text === '' ? undefined : line.indent;
				body.push(line.text === '' ? '' : ' '.repeat(line.indent - (blockIndent ?? line.indent)) + line.text);
				i++;
			}
			const text = rest[0] === '|' ? body.join('\n') : body.join('\n').replace(/([^\n])\n(?=[^\n ])/g, '$1 ');
			map[key] = rest.endsWith('-') ? text.replace(/\n+$/, '') : text.replace(/\n*$/, '\n');
		} else if (rest === '') {
			const sub = parseBlock(lines, i, indent);
			map[key] = sub.value;
			i = sub.next;
		} else map[key] = scalar(rest);
		while (i < lines.length && (lines[i]!.indent > indent || lines[i]!.text === '')) i++; // continuation lines of a plain scalar: ignored
	}
	return { value: map, next: i };
}

/** The front matter's map, or undefined when the text has no (parsable) front matter. */
export function parseFrontMatter(text: string): { data: { [key: string]: Yaml }; body: string } | undefined {
	const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
	if (!m) return undefined;
	const lines: YamlLine[] = [];
	for (const raw of m[1]!.split(/\r?\n/)) {
		if (/^\s*#/.test(raw)) continue;
		const text = raw.replace(/\s+$/, '');
		lines.push({ indent: text === '' ? 0 : raw.length - raw.trimStart().length, text: text.trim() });
	}
	const content = lines.filter(l => l.text !== '');
	// Something between two `---` lines that is not `key: value` is not front matter (e.g. a horizontal rule).
	if (content.length > 0 && !/^[^:#\s][^:]*:/.test(content[0]!.text)) return undefined;
	const parsed = parseBlock(lines, 0, -1).value;
	const data = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
	return { data, body: text.slice(m[0].length) };
}

function str(v: Yaml | undefined): string | undefined {
	return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function num(v: unknown): number | undefined {
	return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function obj(v: unknown): { [key: string]: Yaml } {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { [key: string]: Yaml }) : {};
}

/** What front matter says about the call. */
export interface FrontMatterMeta {
	readonly model?: string;
	readonly maxOutputTokens?: number;
	readonly temperature?: number;
}

/**
 * Model and sampling parameters from front matter: `model` as a string; else Prompty's
 * `model.configuration.name`, then `azure_deployment`, then `model` (then `model.id` / `model.name`);
 * `model.parameters.max_tokens` (or `max_completion_tokens` / `max_output_tokens`) and `temperature`.
 */
export function frontMatterMeta(data: { [key: string]: Yaml }): FrontMatterMeta {
	const m = data.model;
	if (typeof m === 'string') return { model: str(m) };
	const conf = obj(obj(m).configuration);
	const params = obj(obj(m).parameters);
	const model = str(conf.name) ?? str(conf.azure_deployment) ?? str(conf.model) ?? str(obj(m).id) ?? str(obj(m).name);
	const maxOutputTokens = num(params.max_tokens) ?? num(params.max_completion_tokens) ?? num(params.max_output_tokens);
	const temperature = num(params.temperature);
	return {
		...(model !== undefined && { model }),
		...(maxOutputTokens !== undefined && Number.isInteger(maxOutputTokens) && maxOutputTokens > 0 && { maxOutputTokens }),
		...(temperature !== undefined && temperature >= 0 && { temperature }),
	};
}
