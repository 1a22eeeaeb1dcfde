import { EngineError } from '../lib/errors';
import type { CountChatOptions } from './count';
import type { ChatMessageLike, CountMethod, TokenCount, ToolDefinitionLike } from './types';

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

export type TokenWorkerRequest =
	| { readonly id: number; readonly type: 'open'; readonly docId: string; readonly version: number; readonly model: string; readonly text: string }
	/** The rest of a large document's text, sent in slices after `open` so no single message blocks the host for long. */
	| { readonly id: number; readonly type: 'append'; readonly docId: string; readonly text: string }
	| { readonly id: number; readonly type: 'edit'; readonly docId: string; readonly version: number; readonly edits: readonly TextEdit[] }
	| { readonly id: number; readonly type: 'setModel'; readonly docId: string; readonly model: string }
	| { readonly id: number; readonly type: 'countRanges'; readonly docId: string; readonly version: number; readonly ranges: readonly TextRange[] }
	| { readonly id: number; readonly type: 'close'; readonly docId: string }
	| { readonly id: number; readonly type: 'countText'; readonly model: string; readonly text: string }
	| { readonly id: number; readonly type: 'countChat'; readonly model: string; readonly messages: readonly ChatMessageLike[]; readonly tools?: readonly ToolDefinitionLike[]; readonly options?: CountChatOptions };

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
}

export type TokenWorkerResponse =
	| { readonly id: number; readonly ok: true; readonly result: TokenWorkerResult[TokenWorkerRequestType] }
	| { readonly id: number; readonly ok: false; readonly reason: TokenWorkerErrorReason; readonly message: string };

/** Sent unprompted when an approximate document count became exact in the background. */
export interface TokenWorkerNotification {
	readonly type: 'refined';
	readonly count: DocumentCount;
}

export type TokenWorkerOutbound = TokenWorkerResponse | TokenWorkerNotification;

export function isNotification(m: TokenWorkerOutbound): m is TokenWorkerNotification {
	return 'type' in m && m.type === 'refined';
}
