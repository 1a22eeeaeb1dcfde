import type { PromptFormat } from '../prompts/promptGlobs';
import type { PromptSection } from '../prompts/promptSections';
import { EngineError } from '../lib/errors';
import type { PriceOverrides } from '../pricing/overrides';
import type { ModelPriceInfo, UnpricedModel } from '../pricing/types';
import type { ProviderMessage } from '../ports/llmTransport';
import type { CountChatOptions } from '../tokens/count';
import type { ChatMessageLike, CountMethod, TokenCount, ToolDefinitionLike } from '../tokens/types';

/**
 * Messages between the extension host (src/node/tokenWorkerClient.ts) and the token worker
 * (src/node/tokenWorker.ts), which keeps one chunked counter per open document so the host never
 * tokenizes. Plain structured-clone data only.
 *
 * Every request has an `id`; the worker answers each with exactly one {@link TokenWorkerResponse}
 * carrying the same id, in order. Document answers carry the document `version` they describe: the
 * host drops an answer older than the newest version it has sent (typing outruns counting).
 */

/** One `TextDocumentContentChangeEvent`, offsets in UTF-16 code units of the pre-edit text. */
export interface TextEdit {
	readonly rangeOffset: number;
	readonly rangeLength: number;
	readonly text: string;
}

export interface TextRange {
	readonly start: number;
	/** Exclusive. */
	readonly end: number;
}

/**
 * A document the status-bar lens counts as a prompt (see `src/core/lens/promptParse.ts` for what
 * each format counts). Its model is the user's pick, else the model the file names, else the
 * request's `model` (the `agentCost.lens.model` setting).
 */
export interface PromptOptions {
	readonly format: PromptFormat;
	/** The user's pick for this document; wins over the model the file names. */
	readonly pinnedModel?: string;
	/** Models whose counts come with every prompt count (the tier models, for the tooltip). */
	readonly compare?: readonly string[];
}

export type TokenWorkerRequest =
	/** `partial`: more of the text follows in `append` slices (a prompty/chat file is parsed after the last). */
	| {
			readonly id: number;
			readonly type: 'open';
			readonly docId: string;
			readonly version: number;
			readonly model: string;
			readonly text: string;
			readonly prompt?: PromptOptions;
			readonly partial?: boolean;
	  }
	/** The rest of a large document's text, sent in slices after `open` so no single message blocks the host for long. */
	| { readonly id: number; readonly type: 'append'; readonly docId: string; readonly text: string; readonly last?: boolean }
	| { readonly id: number; readonly type: 'edit'; readonly docId: string; readonly version: number; readonly edits: readonly TextEdit[] }
	| { readonly id: number; readonly type: 'setModel'; readonly docId: string; readonly model: string }
	| { readonly id: number; readonly type: 'countRanges'; readonly docId: string; readonly version: number; readonly ranges: readonly TextRange[] }
	| { readonly id: number; readonly type: 'close'; readonly docId: string }
	| { readonly id: number; readonly type: 'countText'; readonly model: string; readonly text: string }
	| {
			readonly id: number;
			readonly type: 'countChat';
			readonly model: string;
			readonly messages: readonly ChatMessageLike[];
			readonly tools?: readonly ToolDefinitionLike[];
			readonly options?: CountChatOptions;
	  }
	/** Changes how an open document is counted as a prompt (`model`: the default model). */
	| { readonly id: number; readonly type: 'configurePrompt'; readonly docId: string; readonly model: string; readonly prompt: PromptOptions }
	/** The messages a call for this prompt document sends (for an exact provider count). */
	| { readonly id: number; readonly type: 'promptRequest'; readonly docId: string }
	/** Each part of this prompt document and its tokens (context attribution in the editor). */
	| { readonly id: number; readonly type: 'promptSections'; readonly docId: string }
	/** Price overrides (setting + workspace file, already merged) for `describeModels`. */
	| { readonly id: number; readonly type: 'setPriceOverrides'; readonly overrides: PriceOverrides }
	/** Prices and context windows of models, from the bundled dataset with the overrides on top. */
	| { readonly id: number; readonly type: 'describeModels'; readonly models: readonly string[] };

export type TokenWorkerRequestType = TokenWorkerRequest['type'];

/** The count of a whole document at one version. */
export interface DocumentCount {
	readonly docId: string;
	readonly version: number;
	readonly model: string;
	readonly tokens: number;
	/** False for estimates (Claude, others) and while a pathological chunk awaits its exact count. */
	readonly exact: boolean;
	readonly method: CountMethod;
	/** Prompt documents only: the prompt the file stands for, counted as a chat request. */
	readonly prompt?: PromptCount;
}

/** One model's count of the same prompt. */
export interface ModelTokenCount {
	readonly model: string;
	readonly tokens: number;
	readonly exact: boolean;
	readonly method: CountMethod;
}

/**
 * A prompt document's count as the call it stands for: messages plus the provider's chat framing
 * (`DocumentCount.tokens` stays the raw text's count, which is what selections are measured in).
 */
export interface PromptCount {
	readonly format: PromptFormat;
	readonly tokens: number;
	/** False for estimates (Claude, others), framing not validated for the model, or a fallback. */
	readonly exact: boolean;
	readonly method: CountMethod;
	/**
	 * The document version this count describes. `text` prompts are counted on every edit; `prompty`
	 * and `chat` files are re-parsed when typing pauses, so their count can be a version behind for a moment.
	 */
	readonly version: number;
	readonly messages: number;
	/** Tool definitions in the request (chat files). */
	readonly tools?: number;
	/** Framing tokens included in `tokens` (text prompts: the one user message's). */
	readonly overhead?: number;
	/** Where the model came from: the user's pick, the file (front matter, request body) or the default. */
	readonly modelSource: 'pinned' | 'file' | 'default';
	/** The model the file names, when it names one (also when a pick overrides it). */
	readonly fileModel?: string;
	/** The output limit the file names (Prompty `max_tokens`, request body `max_tokens`). */
	readonly fileMaxOutputTokens?: number;
	/** Image/audio parts without countable text: the count is a lower bound. */
	readonly uncountedParts?: number;
	/** Why the count is not the file's prompt as such (e.g. chat JSON that does not parse right now). */
	readonly problem?: string;
	/** Notes on how the file was read (unfilled placeholders…). */
	readonly notes?: readonly string[];
	/** The same prompt counted for {@link PromptOptions.compare}'s models, in that order. */
	readonly compare?: readonly ModelTokenCount[];
}

/** What {@link TokenWorkerRequest} `promptRequest` answers. */
export interface PromptRequestMessages {
	readonly docId: string;
	readonly version: number;
	readonly model: string;
	readonly messages: readonly ProviderMessage[];
	readonly tools?: readonly ToolDefinitionLike[];
}

/** What {@link TokenWorkerRequest} `promptSections` answers. */
export interface PromptSectionCounts {
	readonly docId: string;
	readonly version: number;
	readonly model: string;
	/** The whole prompt's input tokens (the sections' shares are of it; its price tier applies to them). */
	readonly tokens: number;
	readonly sections: readonly PromptSection[];
}

/** Counts of selections, in the order requested. */
export interface RangeCounts {
	readonly docId: string;
	readonly version: number;
	readonly counts: readonly TokenCount[];
}

/** Why a request failed; `unknownDocument` asks the client to re-open the document (e.g. after a worker restart). */
export type TokenWorkerErrorReason = 'unknownDocument' | 'badRequest' | 'unknownModel' | 'internal';

/**
 * A failed token-worker request. Reasons from the worker ({@link TokenWorkerErrorReason}) plus the
 * client's own: `timeout` (no answer in time; the worker is restarted), `crashed` (the worker died
 * with the request in flight), `disposed` (the client was disposed).
 */
export class TokenWorkerError extends EngineError<TokenWorkerErrorReason | 'timeout' | 'crashed' | 'disposed'> {
	readonly kind = 'tokenWorker';
	static is(e: unknown, reason?: TokenWorkerError['reason']): e is TokenWorkerError {
		return e instanceof TokenWorkerError && (reason === undefined || e.reason === reason);
	}
}

export interface TokenWorkerResult {
	readonly open: DocumentCount;
	readonly append: DocumentCount;
	readonly edit: DocumentCount;
	readonly setModel: DocumentCount;
	readonly countRanges: RangeCounts;
	readonly close: null;
	readonly countText: TokenCount;
	readonly countChat: TokenCount;
	readonly configurePrompt: DocumentCount;
	readonly promptRequest: PromptRequestMessages;
	readonly promptSections: PromptSectionCounts;
	readonly setPriceOverrides: null;
	readonly describeModels: readonly (ModelPriceInfo | UnpricedModel)[];
}

export type TokenWorkerResponse =
	| { readonly id: number; readonly ok: true; readonly result: TokenWorkerResult[TokenWorkerRequestType] }
	| { readonly id: number; readonly ok: false; readonly reason: TokenWorkerErrorReason; readonly message: string };

/**
 * Sent unprompted when a document's count changed in the background: an approximate count became
 * exact, or a prompt/chat file was re-parsed after typing paused.
 */
export interface TokenWorkerNotification {
	readonly type: 'refined';
	readonly count: DocumentCount;
}

export type TokenWorkerOutbound = TokenWorkerResponse | TokenWorkerNotification;

export function isNotification(m: TokenWorkerOutbound): m is TokenWorkerNotification {
	return 'type' in m && m.type === 'refined';
}
