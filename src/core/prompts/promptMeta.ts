import { parseFrontMatter } from './promptFile';

/** What a prompt file's front matter says about the call it describes. */
export interface PromptMeta {
	/** `model: gpt-4o`, or Prompty's `model.configuration.{name, azure_deployment, model}`. */
	readonly model?: string;
	/** Prompty's `model.parameters.max_tokens` (or `max_completion_tokens` / `max_output_tokens`). */
	readonly maxOutputTokens?: number;
	/** Where the text after the front matter starts (UTF-16 offset; 0 without front matter). */
	readonly bodyStart: number;
}

/** Front matter larger than this is not front matter: it stops the lens from scanning a whole document. */
export const maxFrontMatterChars = 65_536;

type Node = unknown;

function record(v: Node): Record<string, Node> {
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, Node>) : {};
}

function text(v: Node): string | undefined {
	return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function positiveInt(v: Node): number | undefined {
	return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Reads the model a prompt file names in its `---` front matter. Same precedence as "Run Prompt
 * File" (src/core/live/promptFile.ts), so the lens prices the call that command would make:
 * `model` as a string; else `model.configuration.name`, then `azure_deployment`, then `model`
 * (then `model.id` / `model.name`). Pure and total: text without usable front matter gives
 * `{ bodyStart: 0 }`. Front matter longer than {@link maxFrontMatterChars} is ignored, so callers
 * may pass just the document's head: its first `maxFrontMatterChars + 16` characters decide.
 */
export function promptMeta(head: string): PromptMeta {
	if (!/^\uFEFF?---/.test(head)) return { bodyStart: 0 };
	const front = parseFrontMatter(head);
	if (!front) return { bodyStart: 0 };
	const bodyStart = head.length - front.body.length;
	if (bodyStart > maxFrontMatterChars) return { bodyStart: 0 };
	const m = front.data.model;
	const model =
		text(m) ??
		(() => {
			const conf = record(record(m).configuration);
			return text(conf.name) ?? text(conf.azure_deployment) ?? text(conf.model) ?? text(record(m).id) ?? text(record(m).name);
		})();
	const params = record(record(m).parameters);
	const maxOutputTokens = positiveInt(params.max_tokens) ?? positiveInt(params.max_completion_tokens) ?? positiveInt(params.max_output_tokens);
	return { bodyStart, ...(model !== undefined && { model }), ...(maxOutputTokens !== undefined && { maxOutputTokens }) };
}
