import type { PromptFormat } from '../prompts/promptGlobs';
import { maxFrontMatterChars, promptMeta, type PromptMeta } from '../prompts/promptMeta';
import { countPromptRequest, noPromptText, readPromptFile, type PromptRequest } from '../prompts/promptFile';
import { promptSections } from '../prompts/promptSections';
import { describeError, InputError } from '../lib/errors';
import type { PriceOverrides } from '../pricing/overrides';
import type { ModelPriceInfo, UnpricedModel } from '../pricing/types';
import { claudeTextRatio, heuristicCalibration } from '../tokens/claudeEstimate';
import { ChunkedCounter, type ChunkedCount, type ChunkedCounterOptions } from '../tokens/chunkedCounter';
import { checkModelId, countChat, countChatParts, countText } from '../tokens/count';
import { getEncoder } from '../tokens/encodings';
import { encodingForModel, modelFamily } from '../tokens/modelEncoding';
import type { CountMethod, EncodingName } from '../tokens/types';
import {
	TokenWorkerError,
	type DocumentCount,
	type ModelTokenCount,
	type PromptCount,
	type PromptOptions,
	type PromptSectionCounts,
	type TokenWorkerErrorReason,
	type TokenWorkerNotification,
	type TokenWorkerRequest,
	type TokenWorkerRequestType,
	type TokenWorkerResponse,
	type TokenWorkerResult,
} from './workerProtocol';

interface Plan {
	encoding: EncodingName;
	method: CountMethod;
	/** Claude/others: tokens = ceil(o200k × ratio). */
	ratio: number;
}

/** The last structured (prompty/chat) count of a prompt document. */
/** `rawText`: the count is the raw text's (a file that does not parse), so it follows the text's own count as it is refined. */
type StructuredCount = Omit<PromptCount, 'format' | 'modelSource' | 'fileModel'> & { readonly rawText?: true };

interface PromptState {
	format: PromptFormat;
	defaultModel: string;
	pinned?: string;
	compare: readonly string[];
	/** What the file names: text prompts read it from the front matter on edits near the start. */
	fileModel?: string;
	fileMaxOutputTokens?: number;
	/** Text prompts: where the body starts (after the front matter). */
	meta?: PromptMeta;
	/** Prompty/chat: the count at the last parse, and the last one that parsed. */
	structured?: StructuredCount;
	lastGood?: StructuredCount;
	/** Prompty/chat: edited since the last parse (re-parsed when typing pauses). */
	dirty: boolean;
	/** Text still arriving in `append` slices: nothing to parse yet. */
	partial: boolean;
	/** Chat framing of one user message, per model. */
	overheads: Map<string, { tokens: number; exact: boolean }>;
}

interface DocumentState extends Plan {
	version: number;
	model: string;
	counter: ChunkedCounter;
	prompt?: PromptState;
	/** The last `promptSections` answer: the editor asks again for the same version (scrolling, focus). */
	sections?: PromptSectionCounts;
}

/** How a model's document count is derived from an exact encoding count. */
function plan(model: string): Plan {
	const encoding = encodingForModel(model);
	if (encoding) return { encoding, method: encoding, ratio: 1 };
	if (modelFamily(model) === 'claude') return { encoding: 'o200k_base', method: 'claude-estimate', ratio: claudeTextRatio(model) };
	return { encoding: 'o200k_base', method: 'heuristic-estimate', ratio: heuristicCalibration.textRatio };
}

/** The catalog part the worker prices with (`createPriceCatalog` satisfies it). */
export interface PriceDescriber {
	describe(model: string): ModelPriceInfo | UnpricedModel;
}

export interface TokenDocumentsOptions {
	/** Builds the price catalog for `describeModels` (lazily, again after `setPriceOverrides`). Without it pricing requests fail. */
	readonly createCatalog?: (overrides: PriceOverrides) => PriceDescriber;
}

const isSpace = (c: string) => /\s/.test(c);

/**
 * The token worker's state machine, free of threads and I/O so it is unit-testable: one
 * {@link ChunkedCounter} per open document, fed with editor change events; answers every request
 * with one response. src/node/tokenWorker.ts only moves messages.
 *
 * Prompt documents (opened with {@link PromptOptions}) also carry a {@link PromptCount}: the call the
 * file stands for. Text prompts are counted incrementally on every edit (the body range of the
 * chunked counter + one message's framing); prompty and chat files are re-parsed by
 * {@link idleWork} once typing pauses.
 */
export class TokenDocuments {
	private readonly docs = new Map<string, DocumentState>();
	private overrides: PriceOverrides = {};
	private catalog: PriceDescriber | undefined;

	constructor(
		private readonly counterOptions: ChunkedCounterOptions = {},
		private readonly options: TokenDocumentsOptions = {},
	) {}

	handle(req: TokenWorkerRequest): TokenWorkerResponse {
		try {
			return { id: req.id, ok: true, result: this.dispatch(req) };
		} catch (e) {
			return { id: req.id, ok: false, reason: reasonOf(e), message: describeError(e) };
		}
	}

	/** Open documents (for tests and diagnostics). */
	get size(): number {
		return this.docs.size;
	}

	/**
	 * Makes one approximate chunk exact (the caller runs this when idle). Returns the document's new
	 * count when it changed, so the host can replace its ≈ number.
	 */
	refineOne(): TokenWorkerNotification | undefined {
		for (const [docId, doc] of this.docs) {
			if (!doc.counter.hasRefinable()) continue;
			doc.counter.refineNext();
			return { type: 'refined', count: this.documentCount(docId, doc) };
		}
		return undefined;
	}

	hasPendingRefinement(): boolean {
		for (const doc of this.docs.values()) if (doc.counter.hasRefinable()) return true;
		return false;
	}

	/** True while an edited prompty/chat file waits to be re-parsed. */
	hasPendingPromptCount(): boolean {
		for (const doc of this.docs.values()) if (doc.prompt?.dirty && !doc.prompt.partial) return true;
		return false;
	}

	/** Re-parses one edited prompty/chat file and returns its new count (the caller runs this when typing pauses). */
	promptCountOne(): TokenWorkerNotification | undefined {
		for (const [docId, doc] of this.docs) {
			if (!doc.prompt?.dirty || doc.prompt.partial) continue;
			this.countStructured(doc);
			return { type: 'refined', count: this.documentCount(docId, doc) };
		}
		return undefined;
	}

	/** What to do when idle: prompt re-parses first (the user is looking at them), then refinements. */
	idleWork(): TokenWorkerNotification | undefined {
		return this.promptCountOne() ?? this.refineOne();
	}

	private dispatch(req: TokenWorkerRequest): TokenWorkerResult[TokenWorkerRequestType] {
		switch (req.type) {
			case 'open': {
				const model = checkModelId(req.model);
				if (!req.prompt) {
					const p = plan(model);
					const counter = new ChunkedCounter(req.text, this.countFn(p.encoding), this.counterOptions);
					const doc: DocumentState = { version: req.version, model, ...p, counter };
					this.docs.set(req.docId, doc);
					return this.documentCount(req.docId, doc);
				}
				const prompt = this.promptState(req.prompt, model, req.partial === true);
				// The file may name the model: read that first so the text is chunked for the right tokenizer.
				let parsed: PromptRequest | undefined;
				if (prompt.format === 'text') this.readFrontMatter(prompt, req.text.slice(0, maxFrontMatterChars + 16));
				else if (!prompt.partial) {
					parsed = readPromptFile(req.text, prompt.format);
					this.takeFileModel(prompt, parsed);
				}
				const chosen = this.chosenModel(prompt);
				const p = plan(chosen);
				const counter = new ChunkedCounter(req.text, this.countFn(p.encoding), this.counterOptions);
				const doc: DocumentState = { version: req.version, model: chosen, ...p, counter, prompt };
				this.docs.set(req.docId, doc);
				if (parsed) this.countStructured(doc, parsed);
				return this.documentCount(req.docId, doc);
			}
			case 'append': {
				const doc = this.doc(req.docId);
				doc.counter.applyEdit(doc.counter.length, 0, req.text);
				if (doc.prompt && req.last) {
					doc.prompt.partial = false;
					if (doc.prompt.format !== 'text') this.countStructured(doc);
				}
				return this.documentCount(req.docId, doc);
			}
			case 'edit': {
				const doc = this.doc(req.docId);
				// Edits arrive in order; an old or repeated version was already applied.
				if (req.version > doc.version) {
					const prompt = doc.prompt;
					const touchesHead = prompt?.format === 'text' && req.edits.some(e => e.rangeOffset <= this.frontMatterReach(doc));
					for (const edit of req.edits) doc.counter.applyEdit(edit.rangeOffset, edit.rangeLength, edit.text);
					doc.version = req.version;
					if (prompt) {
						if (prompt.format !== 'text') prompt.dirty = true;
						else if (touchesHead) {
							this.readFrontMatter(prompt, doc.counter.slice(0, maxFrontMatterChars + 16));
							this.applyModel(doc, this.chosenModel(prompt));
						}
					}
				}
				return this.documentCount(req.docId, doc);
			}
			case 'setModel': {
				const doc = this.doc(req.docId);
				const model = checkModelId(req.model);
				if (doc.prompt) {
					doc.prompt.defaultModel = model;
					this.repromptAfterConfig(doc);
				} else this.applyModel(doc, model);
				return this.documentCount(req.docId, doc);
			}
			case 'configurePrompt': {
				const doc = this.doc(req.docId);
				const model = checkModelId(req.model);
				const prompt = this.promptState(req.prompt, model, doc.prompt?.partial ?? false);
				if (doc.prompt && doc.prompt.format === prompt.format) {
					Object.assign(prompt, { fileModel: doc.prompt.fileModel, fileMaxOutputTokens: doc.prompt.fileMaxOutputTokens, meta: doc.prompt.meta, lastGood: doc.prompt.lastGood });
				} else if (prompt.format === 'text') this.readFrontMatter(prompt, doc.counter.slice(0, maxFrontMatterChars + 16));
				doc.prompt = prompt;
				this.repromptAfterConfig(doc);
				return this.documentCount(req.docId, doc);
			}
			case 'countRanges': {
				const doc = this.doc(req.docId);
				if (req.version !== doc.version) throw new InputError('badArgument', `ranges are for version ${req.version}, the document is at ${doc.version}`);
				const counts = req.ranges.map(r => scale(doc.counter.countRange(r.start, r.end), doc.ratio));
				return { docId: req.docId, version: doc.version, counts: counts.map(c => ({ ...c, method: doc.method })) };
			}
			case 'promptRequest': {
				const doc = this.doc(req.docId);
				if (!doc.prompt) throw new InputError('badArgument', `document ${JSON.stringify(req.docId)} is not open as a prompt`);
				const request = readPromptFile(doc.counter.text(), doc.prompt.format);
				if (request.problem) throw new InputError('badFile', request.problem);
				return { docId: req.docId, version: doc.version, model: doc.model, messages: request.messages, ...(request.tools && { tools: request.tools }) };
			}
			case 'promptSections': {
				const doc = this.doc(req.docId);
				if (!doc.prompt) throw new InputError('badArgument', `document ${JSON.stringify(req.docId)} is not open as a prompt`);
				const cached = doc.sections;
				if (cached && cached.version === doc.version && cached.model === doc.model) return cached;
				const { tokens, sections } = promptSections({ countChat, countChatParts, countText }, doc.model, doc.counter.text(), doc.prompt.format);
				doc.sections = { docId: req.docId, version: doc.version, model: doc.model, tokens, sections };
				return doc.sections;
			}
			case 'close':
				this.docs.delete(req.docId);
				return null;
			case 'countText':
				return countText(req.model, req.text);
			case 'countChat':
				return countChat(req.model, req.messages, req.tools, req.options);
			case 'setPriceOverrides':
				this.overrides = req.overrides;
				this.catalog = undefined;
				return null;
			case 'describeModels': {
				const create = this.options.createCatalog;
				if (!create) throw new InputError('badArgument', 'this token worker has no price catalog');
				const catalog = (this.catalog ??= create(this.overrides));
				return req.models.map(m => {
					try {
						return catalog.describe(m);
					} catch (e) {
						return { kind: 'unpriced', model: m, reason: describeError(e), hint: 'Check the model id.' } satisfies UnpricedModel;
					}
				});
			}
			default:
				throw new InputError('badArgument', `unknown request type ${JSON.stringify((req as { type?: unknown }).type)}`);
		}
	}

	private promptState(options: PromptOptions, defaultModel: string, partial: boolean): PromptState {
		if (options.format !== 'text' && options.format !== 'prompty' && options.format !== 'chat') {
			throw new InputError('badArgument', `unknown prompt format ${JSON.stringify(options.format)}`);
		}
		const pinned = options.pinnedModel === undefined ? undefined : checkModelId(options.pinnedModel);
		const compare = (options.compare ?? []).map(m => checkModelId(m));
		return { format: options.format, defaultModel, ...(pinned !== undefined && { pinned }), compare, dirty: options.format !== 'text', partial, overheads: new Map() };
	}

	/** After the default model, the pick or the compared models changed: re-resolve and recount now. */
	private repromptAfterConfig(doc: DocumentState): void {
		const prompt = doc.prompt!;
		if (prompt.format === 'text') this.applyModel(doc, this.chosenModel(prompt));
		else if (!prompt.partial) this.countStructured(doc);
	}

	/** Text prompts: the offset up to which an edit can change the front matter. */
	private frontMatterReach(doc: DocumentState): number {
		const meta = doc.prompt?.meta;
		if (meta && meta.bodyStart > 0) return meta.bodyStart;
		// Without front matter, only a document that starts with `---` can gain one further down.
		return doc.counter.slice(0, 3) === '---' || doc.counter.slice(0, 4) === '\uFEFF---' ? maxFrontMatterChars : 4;
	}

	private readFrontMatter(prompt: PromptState, head: string): void {
		const meta = promptMeta(head);
		prompt.meta = meta;
		prompt.fileModel = meta.model;
		prompt.fileMaxOutputTokens = meta.maxOutputTokens;
	}

	/** The model the document is counted for: the pick, else a usable model the file names, else the default. */
	private chosenModel(prompt: PromptState): string {
		return prompt.pinned ?? usableModel(prompt.fileModel) ?? prompt.defaultModel;
	}

	/** A prompty/chat parse names the file's model; a parse that failed keeps what the last one said. */
	private takeFileModel(prompt: PromptState, parsed: PromptRequest): void {
		if (parsed.problem && parsed.problem !== noPromptText) return;
		prompt.fileModel = parsed.model;
		prompt.fileMaxOutputTokens = parsed.maxOutputTokens;
	}

	private applyModel(doc: DocumentState, model: string): void {
		if (model === doc.model) return;
		const p = plan(model);
		if (p.encoding !== doc.encoding) doc.counter = new ChunkedCounter(doc.counter.text(), this.countFn(p.encoding), this.counterOptions);
		Object.assign(doc, { model, ...p });
	}

	/** Prompty/chat: parse the whole text, follow the model it names, count it as a chat. */
	private countStructured(doc: DocumentState, given?: PromptRequest): void {
		const prompt = doc.prompt!;
		prompt.dirty = false;
		const parsed = given ?? readPromptFile(doc.counter.text(), prompt.format);
		this.takeFileModel(prompt, parsed);
		this.applyModel(doc, this.chosenModel(prompt));
		if (parsed.problem === noPromptText) {
			prompt.structured = { tokens: 0, exact: true, method: doc.method, version: doc.version, messages: 0, problem: parsed.problem };
			return;
		}
		if (parsed.problem) {
			// Mid-edit JSON that does not parse: keep the last count that did (marked ≈), else the raw text's.
			const last = prompt.lastGood;
			const fallback: StructuredCount = last ?? { ...scale(doc.counter.total(), doc.ratio), method: doc.method, version: doc.version, messages: 0, rawText: true };
			prompt.structured = {
				...fallback,
				exact: false,
				version: doc.version,
				problem: `${parsed.problem} — showing ${last ? 'the count of the last version that parsed' : 'the count of the raw text'}`,
			};
			return;
		}
		const c = countPromptRequest(countChat, doc.model, parsed);
		const counted: StructuredCount = {
			tokens: c.tokens,
			exact: c.exact,
			method: c.method,
			version: doc.version,
			messages: parsed.messages.length,
			...(parsed.tools && { tools: parsed.tools.length }),
			...(parsed.uncountedParts > 0 && { uncountedParts: parsed.uncountedParts }),
			...(parsed.warnings.length > 0 && { notes: parsed.warnings }),
			compare: prompt.compare.map(m => {
				const cc = m === doc.model ? c : countPromptRequest(countChat, m, parsed);
				return { model: m, tokens: cc.tokens, exact: cc.exact, method: cc.method };
			}),
		};
		prompt.structured = counted;
		prompt.lastGood = counted;
	}

	/** Chat framing of a single user message for `model` (+7 for OpenAI's chat format). */
	private overhead(prompt: PromptState, model: string): { tokens: number; exact: boolean } {
		let o = prompt.overheads.get(model);
		if (!o) {
			const c = countChat(model, [{ role: 'user', content: '' }]);
			o = { tokens: c.tokens, exact: c.exact };
			prompt.overheads.set(model, o);
		}
		return o;
	}

	/** A text prompt: the trimmed body after the front matter as one user message, from the chunked counter. */
	private textPromptCount(doc: DocumentState, prompt: PromptState): StructuredCount {
		const counter = doc.counter;
		const length = counter.length;
		const start = skipSpace(counter, Math.min(prompt.meta?.bodyStart ?? 0, length), length);
		const end = start >= length ? start : trimEnd(counter, start, length);
		if (end <= start) return { tokens: 0, exact: true, method: doc.method, version: doc.version, messages: 0, problem: noPromptText };
		const raw = counter.countRange(start, end);
		const body = scale(raw, doc.ratio);
		const own = this.overhead(prompt, doc.model);
		const compare: ModelTokenCount[] = [];
		for (const m of prompt.compare) {
			const p = plan(m);
			// Only models on the same tokenizer can reuse this count; the host says "≈ by <model>'s tokenizer" for the rest.
			if (p.encoding !== doc.encoding) continue;
			const o = this.overhead(prompt, m);
			const c = scale(raw, p.ratio);
			compare.push({ model: m, tokens: c.tokens + o.tokens, exact: c.exact && o.exact, method: p.method });
		}
		return { tokens: body.tokens + own.tokens, exact: body.exact && own.exact, method: doc.method, version: doc.version, messages: 1, overhead: own.tokens, compare };
	}

	private countFn(encoding: EncodingName): (text: string) => number {
		const encoder = getEncoder(encoding);
		return text => encoder.count(text);
	}

	private doc(docId: string): DocumentState {
		const doc = this.docs.get(docId);
		if (!doc) throw new TokenWorkerError('unknownDocument', `document ${JSON.stringify(docId)} is not open in the token worker`);
		return doc;
	}

	private documentCount(docId: string, doc: DocumentState): DocumentCount {
		const c = scale(doc.counter.total(), doc.ratio);
		const base = { docId, version: doc.version, model: doc.model, tokens: c.tokens, exact: c.exact, method: doc.method };
		const prompt = doc.prompt;
		if (!prompt) return base;
		const structured = prompt.format === 'text' ? this.textPromptCount(doc, prompt) : prompt.structured;
		if (!structured) return base; // a prompty/chat file still arriving in slices
		const { rawText: _rawText, ...counted } = structured.rawText ? { ...structured, tokens: c.tokens } : structured;
		const modelSource = prompt.pinned !== undefined ? 'pinned' : usableModel(prompt.fileModel) !== undefined ? 'file' : 'default';
		const fileModelProblem =
			prompt.fileModel !== undefined && usableModel(prompt.fileModel) === undefined
				? `the file's model ${JSON.stringify(prompt.fileModel.slice(0, 60))} is not a usable model id; using ${doc.model}`
				: undefined;
		return {
			...base,
			prompt: {
				format: prompt.format,
				...counted,
				modelSource,
				...(prompt.fileModel !== undefined && { fileModel: prompt.fileModel }),
				...(prompt.fileMaxOutputTokens !== undefined && { fileMaxOutputTokens: prompt.fileMaxOutputTokens }),
				...(fileModelProblem && { notes: [...(counted.notes ?? []), fileModelProblem] }),
			},
		};
	}
}

function usableModel(model: string | undefined): string | undefined {
	if (model === undefined) return undefined;
	try {
		return checkModelId(model);
	} catch {
		return undefined;
	}
}

/** First offset ≥ `from` that is not whitespace (JS `trim()`'s definition), or `length`. */
function skipSpace(counter: ChunkedCounter, from: number, length: number): number {
	let pos = from;
	for (let block = 256; pos < length; block *= 2) {
		const text = counter.slice(pos, pos + block);
		for (let i = 0; i < text.length; i++) if (!isSpace(text[i]!)) return pos + i;
		pos += text.length;
	}
	return length;
}

/** The end of the text in [start, end) without trailing whitespace. */
function trimEnd(counter: ChunkedCounter, start: number, end: number): number {
	let pos = end;
	for (let block = 256; pos > start; block *= 2) {
		const from = Math.max(start, pos - block);
		const text = counter.slice(from, pos);
		for (let i = text.length - 1; i >= 0; i--) if (!isSpace(text[i]!)) return from + i + 1;
		pos = from;
	}
	return start;
}

function scale(c: ChunkedCount, ratio: number): ChunkedCount {
	return ratio === 1 ? c : { tokens: Math.ceil(c.tokens * ratio), exact: false };
}

function reasonOf(e: unknown): TokenWorkerErrorReason {
	if (TokenWorkerError.is(e, 'unknownDocument')) return 'unknownDocument';
	if (InputError.is(e, 'unknownModel')) return 'unknownModel';
	if (InputError.is(e)) return 'badRequest';
	return 'internal';
}
