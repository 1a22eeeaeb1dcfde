import { resolve } from 'node:path';
import { parseChatDocument, serializeChatDocument } from '../../core/compression/chatFile';
import { slidingWindow, truncateHistory } from '../../core/compression/history';
import { compressPromptFile } from '../../core/prompts/promptCompression';
import { truncateToolOutputs } from '../../core/compression/toolOutput';
import type { PromptCompressionResult } from '../../core/compression/types';
import { defaultEngineConfig } from '../../core/config/parseEngineConfig';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { stringifyForOutput } from '../../core/lib/outputNumbers';
import { countChat, countText } from '../../core/tokens/count';
import { countPromptText, readPromptFile } from '../../core/prompts/promptFile';
import { promptFormatOf, type PromptFormat } from '../../core/prompts/promptGlobs';
import type { CliCommand, CliIo, ParsedCliArgs } from './cliCommand';
import { optionalCount, optionalNumber, UsageError } from './cliCommand';
import { readRegularFile } from '../regularFile';

/** Offline strategies, in the order `--help` lists them. */
export const compressStrategies = ['lossless', 'lossy', 'truncate', 'window', 'tool-outputs'] as const;
type Strategy = (typeof compressStrategies)[number];

const defaults = defaultEngineConfig();

const usage = `Usage: agent-cost compress <file|-> --strategy S [--target-ratio R] [--json] [options]

Compresses a prompt file (text, Markdown, .prompt, .prompty…) or a chat file (JSON array of
messages, {"messages":[…]} request body, or JSONL) and reports the tokens the API receives before
and after: a prompt's body after its front matter, a chat file's messages (its JSON layout is
re-serialized before sending, so it is not a saving). When that number would not drop it says
"nothing to save" and prints the file unchanged.

Strategies:
  lossless       extra whitespace, blank and repeated lines in the prose that is sent (the
                 body, or each message's text); JSON sent as text is minified
  lossy          lossless + filler, wordy phrases and repeated sentences, stage by stage down
                 to --target-ratio; the result stays plain English and never touches front
                 matter, YAML/JSON structure, code, quoted strings, numbers or identifiers
  truncate       chat files: keep system messages, the last user turn and the newest
                 --keep-tokens tokens (tool calls stay with their results)
  window         chat files: the first and last --window messages, an omission marker between
  tool-outputs   chat files: truncate each tool result to --max-tool-tokens, keeping structure

Options:
  --strategy S         one of: ${compressStrategies.join(', ')}
  --target-ratio R     lossy: aim for compressed/original tokens ≤ R (0 < R ≤ 1) [default 0.8]
  --model M            model whose tokenizer counts [default: the one the file names, else ${defaults.lens.model}]
  --keep-tokens N      truncate: recent tokens kept [default ${defaults.compression.tokensToKeepRecent}]
  --window N           window: messages kept at each end [default ${defaults.compression.windowMessages}]
  --max-tool-tokens N  tool-outputs: limit per tool result [default ${defaults.compression.toolResponseMaxTokens}]
  --json               print {"strategy","originalTokens","compressedTokens","ratio","verdict","note"?,"text"}

Without --json the compressed text goes to stdout and a one-line summary to stderr.`;

export interface CompressOutput {
	readonly strategy: Strategy;
	readonly originalTokens: number;
	readonly compressedTokens: number;
	readonly ratio: number;
	/** `saves`, or why not: `unchanged` (no rule applied), `noSaving` (only unsent text changed). */
	readonly verdict: PromptCompressionResult['verdict'];
	readonly note?: string;
	readonly text: string;
}

/** How the file is sent: by its name; read from stdin, a chat if it parses as one. */
function formatOf(text: string, fileName: string | undefined): PromptFormat {
	return fileName !== undefined ? promptFormatOf(fileName) : /^\s*[[{]/.test(text) && !readPromptFile(text, 'chat').problem ? 'chat' : 'text';
}

/**
 * Runs one strategy over file text (shared with tests; the extension's command uses the core
 * functions directly). Tokens before and after are what the call the file asks for sends — the
 * lens's and `agent-cost count`'s number (`countPromptText`) — not the raw text's.
 */
export function compressText(
	text: string,
	strategy: Strategy,
	o: { model: string; counter: TokenCounter; format: PromptFormat; targetRatio: number; keepTokens: number; window: number; maxToolTokens: number },
): CompressOutput & { exact: boolean } {
	const round = (r: number) => Math.round(r * 10_000) / 10_000;
	const sent = (t: string) => countPromptText(o.counter, o.model, t, o.format);
	if (strategy === 'lossless' || strategy === 'lossy') {
		const r = compressPromptFile({ text, format: o.format, model: o.model }, o.counter, strategy, o.targetRatio);
		return {
			strategy,
			originalTokens: r.tokensBefore,
			compressedTokens: r.tokensAfter,
			ratio: round(r.ratio),
			verdict: r.verdict,
			...(r.note !== undefined && { note: r.note }),
			text: r.text,
			exact: r.exact,
		};
	}
	const doc = parseChatDocument(text);
	if (!doc) throw new UsageError(`--strategy ${strategy} needs a chat file: a JSON array of {role, content} messages, a {"messages": [...]} body, or JSONL`);
	const h = { model: o.model, counter: o.counter };
	const r =
		strategy === 'truncate'
			? truncateHistory(doc.messages, o.keepTokens, h)
			: strategy === 'window'
				? slidingWindow(doc.messages, o.window, h)
				: truncateToolOutputs(doc.messages, o.maxToolTokens, o.model, o.counter);
	const out = r.applied ? serializeChatDocument(doc, r.messages) : text;
	const before = sent(text);
	const after = out === text ? before : sent(out);
	return {
		strategy,
		originalTokens: before.tokens,
		compressedTokens: after.tokens,
		ratio: round(before.tokens > 0 ? after.tokens / before.tokens : 1),
		verdict: after.tokens < before.tokens ? 'saves' : 'unchanged',
		text: out,
		exact: before.exact && after.exact,
	};
}

/** `agent-cost compress`, over an injected token counter (the CLI passes the real one). */
export function createCompressCommand(counter: TokenCounter): CliCommand {
	return {
		name: 'compress',
		summary: 'compress a prompt or chat file (lossless, lossy, truncate, window, tool-outputs)',
		usage,
		options: {
			strategy: { type: 'string' },
			'target-ratio': { type: 'string' },
			model: { type: 'string' },
			'keep-tokens': { type: 'string' },
			window: { type: 'string' },
			'max-tool-tokens': { type: 'string' },
			json: { type: 'boolean' },
		},
		async run(args: ParsedCliArgs, io: CliIo): Promise<number> {
			const strategy = args.values.strategy;
			if (typeof strategy !== 'string') throw new UsageError(`compress: missing --strategy (one of: ${compressStrategies.join(', ')})`);
			if (!(compressStrategies as readonly string[]).includes(strategy))
				throw new UsageError(`compress: unknown strategy ${JSON.stringify(strategy)}; valid strategies: ${compressStrategies.join(', ')}`);
			if (args.positionals.length !== 1) throw new UsageError('compress: expected exactly one file (or - for stdin)');
			const targetRatio = optionalNumber(args, 'target-ratio') ?? 0.8;
			if (!(targetRatio > 0 && targetRatio <= 1)) throw new UsageError(`--target-ratio must be in (0, 1], got ${targetRatio}`);
			const window = optionalCount(args, 'window') ?? defaults.compression.windowMessages;
			if (window < 1) throw new UsageError('--window must be at least 1');
			const explicitModel = typeof args.values.model === 'string' && args.values.model ? args.values.model : undefined;
			const file = args.positionals[0];
			let text: string;
			try {
				text = file === '-' ? await io.readStdin() : await readRegularFile(resolve(io.cwd, file), 'utf8');
			} catch (e) {
				io.stderr(`agent-cost: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
				return 1;
			}
			const format = formatOf(text, file === '-' ? undefined : file);
			// Like the lens: the model the file names (front matter, request body) unless --model says otherwise.
			const model = explicitModel ?? readPromptFile(text, format).model ?? defaults.lens.model;
			const r = compressText(text, strategy as Strategy, {
				model,
				counter,
				format,
				targetRatio,
				keepTokens: optionalCount(args, 'keep-tokens') ?? defaults.compression.tokensToKeepRecent,
				window,
				maxToolTokens: optionalCount(args, 'max-tool-tokens') ?? defaults.compression.toolResponseMaxTokens,
			});
			if (args.values.json) {
				const { exact: _exact, ...out } = r;
				io.stdout(stringifyForOutput(out) + '\n');
			} else {
				io.stdout(r.text.endsWith('\n') || r.text === '' ? r.text : r.text + '\n');
				const approx = r.exact ? '' : '≈';
				const sent = `${approx}${r.originalTokens.toLocaleString('en-US')}`;
				io.stderr(
					r.verdict === 'saves'
						? `${strategy}: ${sent} → ${approx}${r.compressedTokens.toLocaleString('en-US')} tokens sent (${model}), ratio ${r.ratio.toFixed(3)}\n`
						: `${strategy}: ${r.note ?? 'nothing to save'} (${sent} tokens sent to ${model})\n`,
				);
			}
			return 0;
		},
	};
}

/** The registered command, counting with the real tokenizers (exact for OpenAI models, ≈ otherwise). */
export const compressCommand: CliCommand = createCompressCommand({ countText, countChat });
