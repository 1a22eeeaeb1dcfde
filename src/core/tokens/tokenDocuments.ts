import { describeError, InputError } from '../lib/errors';
import { claudeCalibration, heuristicCalibration } from './claudeEstimate';
import { ChunkedCounter, type ChunkedCount, type ChunkedCounterOptions } from './chunkedCounter';
import { checkModelId, countChat, countText } from './count';
import { getEncoder } from './encodings';
import { encodingForModel, modelFamily } from './modelEncoding';
import type { CountMethod, EncodingName } from './types';
import { TokenWorkerError, type DocumentCount, type TokenWorkerErrorReason, type TokenWorkerNotification, type TokenWorkerRequest, type TokenWorkerRequestType, type TokenWorkerResponse, type TokenWorkerResult } from './workerProtocol';

interface DocumentState {
	version: number;
	model: string;
	encoding: EncodingName;
	method: CountMethod;
	/** Claude/others: tokens = ceil(o200k × ratio). */
	ratio: number;
	counter: ChunkedCounter;
}

/** How a model's document count is derived from an exact encoding count. */
function plan(model: string): { encoding: EncodingName; method: CountMethod; ratio: number } {
	const encoding = encodingForModel(model);
	if (encoding) return { encoding, method: encoding, ratio: 1 };
	if (modelFamily(model) === 'claude') return { encoding: 'o200k_base', method: 'claude-estimate', ratio: claudeCalibration.textRatio };
	return { encoding: 'o200k_base', method: 'heuristic-estimate', ratio: heuristicCalibration.textRatio };
}

/**
 * The token worker's state machine, free of threads and I/O so it is unit-testable: one
 * {@link ChunkedCounter} per open document, fed with editor change events; answers every request
 * with one response. src/node/tokenWorker.ts only moves messages.
 */
export class TokenDocuments {
	private readonly docs = new Map<string, DocumentState>();

	constructor(private readonly counterOptions: ChunkedCounterOptions = {}) {}

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

	private dispatch(req: TokenWorkerRequest): TokenWorkerResult[TokenWorkerRequestType] {
		switch (req.type) {
			case 'open': {
				const model = checkModelId(req.model);
				const p = plan(model);
				const counter = new ChunkedCounter(req.text, this.countFn(p.encoding), this.counterOptions);
				const doc: DocumentState = { version: req.version, model, ...p, counter };
				this.docs.set(req.docId, doc);
				return this.documentCount(req.docId, doc);
			}
			case 'append': {
				const doc = this.doc(req.docId);
				doc.counter.applyEdit(doc.counter.length, 0, req.text);
				return this.documentCount(req.docId, doc);
			}
			case 'edit': {
				const doc = this.doc(req.docId);
				// Edits arrive in order; an old or repeated version was already applied.
				if (req.version > doc.version) {
					for (const edit of req.edits) doc.counter.applyEdit(edit.rangeOffset, edit.rangeLength, edit.text);
					doc.version = req.version;
				}
				return this.documentCount(req.docId, doc);
			}
			case 'setModel': {
				const doc = this.doc(req.docId);
				const model = checkModelId(req.model);
				const p = plan(model);
				if (p.encoding !== doc.encoding) doc.counter = new ChunkedCounter(doc.counter.text(), this.countFn(p.encoding), this.counterOptions);
				Object.assign(doc, { model, ...p });
				return this.documentCount(req.docId, doc);
			}
			case 'countRanges': {
				const doc = this.doc(req.docId);
				if (req.version !== doc.version) throw new InputError('badArgument', `ranges are for version ${req.version}, the document is at ${doc.version}`);
				const counts = req.ranges.map(r => scale(doc.counter.countRange(r.start, r.end), doc));
				return { docId: req.docId, version: doc.version, counts: counts.map(c => ({ ...c, method: doc.method })) };
			}
			case 'close':
				this.docs.delete(req.docId);
				return null;
			case 'countText':
				return countText(req.model, req.text);
			case 'countChat':
				return countChat(req.model, req.messages, req.tools, req.options);
			default:
				throw new InputError('badArgument', `unknown request type ${JSON.stringify((req as { type?: unknown }).type)}`);
		}
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
		const c = scale(doc.counter.total(), doc);
		return { docId, version: doc.version, model: doc.model, tokens: c.tokens, exact: c.exact, method: doc.method };
	}
}

function scale(c: ChunkedCount, doc: DocumentState): ChunkedCount {
	return doc.ratio === 1 ? c : { tokens: Math.ceil(c.tokens * doc.ratio), exact: false };
}

function reasonOf(e: unknown): TokenWorkerErrorReason {
	if (TokenWorkerError.is(e, 'unknownDocument')) return 'unknownDocument';
	if (InputError.is(e, 'unknownModel')) return 'unknownModel';
	if (InputError.is(e)) return 'badRequest';
	return 'internal';
}
