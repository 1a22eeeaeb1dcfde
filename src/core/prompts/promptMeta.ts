import { frontMatterMeta, parseFrontMatter } from './frontMatter';

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

/**
 * Reads the model a prompt file names in its `---` front matter (`frontMatterMeta`, as every reader
 * of prompt files does, so the lens prices the call "Run Prompt File" would make). Pure and total: text without usable front matter gives
 * `{ bodyStart: 0 }`. Front matter longer than {@link maxFrontMatterChars} is ignored, so callers
 * may pass just the document's head: its first `maxFrontMatterChars + 16` characters decide.
 */
export function promptMeta(head: string): PromptMeta {
	if (!/^\uFEFF?---/.test(head)) return { bodyStart: 0 };
	const front = parseFrontMatter(head);
	if (!front) return { bodyStart: 0 };
	const bodyStart = head.length - front.body.length;
	if (bodyStart > maxFrontMatterChars) return { bodyStart: 0 };
	const { model, maxOutputTokens } = frontMatterMeta(front.data);
	return { bodyStart, ...(model !== undefined && { model }), ...(maxOutputTokens !== undefined && { maxOutputTokens }) };
}
