import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Disposable } from '../core/lib/disposable';
import type { CountChatOptions } from '../core/tokens/count';
import type { ChatMessageLike, TokenCount, ToolDefinitionLike } from '../core/tokens/types';
import type { PriceOverrides } from '../core/pricing/overrides';
import type { ModelPriceInfo, UnpricedModel } from '../core/pricing/types';
import {
	isNotification,
	TokenWorkerError,
	type DocumentCount,
	type PromptOptions,
	type PromptRequestMessages,
	type PromptSectionCounts,
	type RangeCounts,
	type TextEdit,
	type TextRange,
	type TokenWorkerOutbound,
	type TokenWorkerRequest,
	type TokenWorkerRequestType,
	type TokenWorkerResult,
} from '../core/lens/workerProtocol';

/** A document's text as consecutive slices, read one at a time (see {@link TokenWorkerClient.openSliced}). */
export interface TextSlices {
	readonly count: number;
	read(index: number): string;
}

/** What the host knows about an open document, so a restarted worker can be re-seeded. */
export interface DocumentSnapshot {
	readonly version: number;
	readonly model: string;
	/** The whole text, or (large documents) the text in slices read one macrotask at a time. */
	readonly text: string | TextSlices;
	/** Set for documents the lens counts as prompts. */
	readonly prompt?: PromptOptions;
}

export interface TokenWorkerClientOptions {
	/** The bundled worker script; defaults to `tokenWorker.js` next to the bundle that loads this module. */
	readonly workerPath?: string;
	/** Passed to the worker (see `TokenWorkerData` in tokenWorker.ts). */
	readonly workerData?: unknown;
	/** Per-request timeout; on expiry the request fails with `timeout` and the worker is restarted. Default 20 s. */
	readonly timeoutMs?: number;
	/**
	 * Current state of a document the worker does not know (it restarted, or never saw the open).
	 * With it, document requests re-open transparently; without it they fail with `unknownDocument`.
	 */
	readonly snapshot?: (docId: string) => DocumentSnapshot | undefined;
	/** An approximate document count became exact in the background. */
	readonly onRefined?: (count: DocumentCount) => void;
	/**
	 * Documents longer than this many UTF-16 code units are sent in slices, one per macrotask: posting
	 * 5 MB of non-Latin-1 text in one message blocks the sending thread for ≈12 ms. Default 524 288.
	 */
	readonly openSliceChars?: number;
	/** The worker exited unexpectedly (it is restarted on the next request). */
	readonly onCrash?: (error: TokenWorkerError) => void;
}

type RequestBody = TokenWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
	readonly resolve: (value: unknown) => void;
	readonly reject: (error: TokenWorkerError) => void;
	readonly timer: NodeJS.Timeout;
}

/** Crashes within this window beyond the limit make requests fail fast instead of respawning forever. */
const crashWindowMs = 60_000;
const crashLimit = 3;

/**
 * Host side of the token worker. The worker is spawned on the first request (never during
 * activation), restarted after a crash or a timeout, and terminated by {@link dispose}. Every
 * request resolves or rejects with a {@link TokenWorkerError}; none hangs.
 *
 * Document answers carry the version they describe. Counting can lag behind typing, so callers keep
 * the newest version they sent and ignore older answers.
 */
export class TokenWorkerClient implements Disposable {
	private worker: Worker | undefined;
	private readonly pending = new Map<number, Pending>();
	private nextId = 1;
	private disposed = false;
	private crashes: number[] = [];
	private spawnCount = 0;
	/** Documents whose text is still being sent: their other requests wait so the worker sees them in order. */
	private readonly opening = new Map<string, Promise<unknown>>();

	constructor(private readonly options: TokenWorkerClientOptions = {}) {}

	/** True while a worker thread exists (false before the first request: activation is free). */
	get isRunning(): boolean {
		return this.worker !== undefined;
	}

	/**
	 * Starts the worker thread now instead of on the first request — so a caller can spawn it in a
	 * task of its own (spawning costs the calling thread a few ms). Failures surface on the next request.
	 */
	start(): void {
		if (this.disposed || this.worker) return;
		try {
			this.ensureWorker();
		} catch {
			// too many crashes, or the script is missing: the next request reports it
		}
	}

	/** How many workers were started (1 + restarts). */
	get starts(): number {
		return this.spawnCount;
	}

	/**
	 * Opens (or replaces) a document. Large texts go out in slices, each in its own macrotask, so the
	 * extension host's thread is never blocked for long; requests for the same document made meanwhile
	 * are sent after the last slice.
	 */
	open(docId: string, version: number, model: string, text: string, prompt?: PromptOptions): Promise<DocumentCount> {
		const slices = sliceText(text, this.options.openSliceChars ?? 524_288);
		return this.openSliced(docId, version, model, { count: slices.length, read: i => slices[i] }, prompt);
	}

	/**
	 * Opens a document whose text is read slice by slice: slice 0 now, each further slice in its own
	 * macrotask, so the host never holds (or copies) a large document's whole text in one go — the
	 * extension reads an editor document range by range. `read(i)` must return consecutive parts of
	 * one version of the text; requests for the same document made meanwhile are sent after the last.
	 */
	openSliced(docId: string, version: number, model: string, slices: TextSlices, prompt?: PromptOptions): Promise<DocumentCount> {
		const count = Math.max(1, slices.count);
		let first: Promise<DocumentCount>;
		try {
			first = this.request({ type: 'open', docId, version, model, text: slices.read(0), ...(prompt && { prompt }), ...(count > 1 && { partial: true }) });
		} catch (e) {
			return Promise.reject(e);
		}
		if (count === 1) return first;
		const answers = [first];
		// Each answer is observed at once so an early failure is never an unhandled rejection; it
		// surfaces through Promise.all below.
		first.catch(() => undefined);
		const posted = (async () => {
			for (let i = 1; i < count; i++) {
				await new Promise(resolve => setImmediate(resolve));
				const answer = this.request({ type: 'append', docId, text: slices.read(i), ...(i === count - 1 && { last: true }) });
				answer.catch(() => undefined);
				answers.push(answer);
			}
		})();
		this.opening.set(docId, posted);
		return posted
			.then(() => Promise.all(answers))
			.then(all => all[all.length - 1])
			.finally(() => {
				if (this.opening.get(docId) === posted) this.opening.delete(docId);
			});
	}

	/** Applies editor changes (in order) that bring the document to `version`. */
	edit(docId: string, version: number, edits: readonly TextEdit[]): Promise<DocumentCount> {
		return this.withReopen(
			docId,
			() => this.request({ type: 'edit', docId, version, edits }),
			count => count,
		);
	}

	setModel(docId: string, model: string): Promise<DocumentCount> {
		return this.withReopen(
			docId,
			() => this.request({ type: 'setModel', docId, model }),
			() => this.request({ type: 'setModel', docId, model }),
		);
	}

	/**
	 * How a prompt document is counted: its default `model`, the user's pick, the compared models.
	 * Answers with the recount (made at once, also for prompty/chat files).
	 */
	configurePrompt(docId: string, model: string, prompt: PromptOptions): Promise<DocumentCount> {
		const run = () => this.request({ type: 'configurePrompt', docId, model, prompt });
		return this.withReopen(docId, run, run);
	}

	/** The messages a call for this prompt document would send (for an exact provider count). */
	promptRequest(docId: string): Promise<PromptRequestMessages> {
		const run = () => this.request({ type: 'promptRequest', docId });
		return this.withReopen(docId, run, run);
	}

	/** Each part of a prompt document and its tokens, at the worker's newest version of it (context attribution). */
	promptSections(docId: string): Promise<PromptSectionCounts> {
		const run = () => this.request({ type: 'promptSections', docId });
		return this.withReopen(docId, run, run);
	}

	/** Price overrides (already merged) that `describeModels` applies from now on. Re-sent after a restart by the caller. */
	setPriceOverrides(overrides: PriceOverrides): Promise<null> {
		return this.request({ type: 'setPriceOverrides', overrides });
	}

	/** Prices and context windows of `models` (the worker holds the price dataset, the host does not). */
	describeModels(models: readonly string[]): Promise<readonly (ModelPriceInfo | UnpricedModel)[]> {
		return this.request({ type: 'describeModels', models });
	}

	/** Token counts of selections at `version` (fails with `badRequest` if the worker is at another version). */
	countRanges(docId: string, version: number, ranges: readonly TextRange[]): Promise<RangeCounts> {
		return this.withReopen(
			docId,
			() => this.request({ type: 'countRanges', docId, version, ranges }),
			() => this.request({ type: 'countRanges', docId, version, ranges }),
		);
	}

	async close(docId: string): Promise<void> {
		const opening = this.opening.get(docId);
		if (opening) await opening;
		if (!this.worker) return; // nothing was ever opened in this worker
		await this.request({ type: 'close', docId });
	}

	countText(model: string, text: string): Promise<TokenCount> {
		return this.request({ type: 'countText', model, text });
	}

	countChat(model: string, messages: readonly ChatMessageLike[], tools?: readonly ToolDefinitionLike[], options?: CountChatOptions): Promise<TokenCount> {
		return this.request({ type: 'countChat', model, messages, tools, options });
	}

	/**
	 * Stops the worker (pending requests fail with `crashed`); the next request starts a fresh one and
	 * documents are re-opened from {@link TokenWorkerClientOptions.snapshot}. For a "reset" command
	 * and for tests of the recovery path.
	 */
	restart(): void {
		const worker = this.worker;
		if (worker) this.stopWorker(worker, new TokenWorkerError('crashed', 'the token worker was restarted'));
	}

	dispose(): void {
		if (this.disposed) return;
		this.disposed = true;
		this.failAll(new TokenWorkerError('disposed', 'the token worker client was disposed'));
		const worker = this.worker;
		this.worker = undefined;
		void worker?.terminate();
	}

	/**
	 * Runs a document request; if the worker does not know the document (restart) and the host can
	 * provide a snapshot, re-opens it and finishes with `after` (the re-opened count already reflects
	 * the snapshot's text, so an edit needs no retry).
	 */
	private async withReopen<T>(docId: string, run: () => Promise<T>, after: (reopened: DocumentCount) => Promise<T> | T): Promise<T> {
		const opening = this.opening.get(docId);
		if (opening) await opening;
		try {
			return await run();
		} catch (e) {
			const snap = TokenWorkerError.is(e, 'unknownDocument') ? this.options.snapshot?.(docId) : undefined;
			if (!snap) throw e;
			const reopened =
				typeof snap.text === 'string' ? await this.open(docId, snap.version, snap.model, snap.text, snap.prompt) : await this.openSliced(docId, snap.version, snap.model, snap.text, snap.prompt);
			return after(reopened) as T;
		}
	}

	private request<K extends TokenWorkerRequestType>(body: Extract<RequestBody, { type: K }>): Promise<TokenWorkerResult[K]> {
		if (this.disposed) return Promise.reject(new TokenWorkerError('disposed', 'the token worker client was disposed'));
		let worker: Worker;
		try {
			worker = this.ensureWorker();
		} catch (e) {
			return Promise.reject(e instanceof TokenWorkerError ? e : new TokenWorkerError('crashed', `cannot start the token worker: ${String(e)}`));
		}
		const id = this.nextId++;
		const timeoutMs = this.options.timeoutMs ?? 20_000;
		return new Promise<TokenWorkerResult[K]>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new TokenWorkerError('timeout', `the token worker did not answer ${body.type} within ${timeoutMs} ms`));
				// A worker that misses a deadline is stuck or hopelessly behind: start over.
				this.stopWorker(worker, new TokenWorkerError('timeout', 'restarted after a timeout'));
			}, timeoutMs);
			this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
			worker.postMessage({ ...body, id } as TokenWorkerRequest);
		});
	}

	private ensureWorker(): Worker {
		if (this.worker) return this.worker;
		const now = Date.now();
		this.crashes = this.crashes.filter(t => now - t < crashWindowMs);
		if (this.crashes.length >= crashLimit) {
			throw new TokenWorkerError('crashed', `the token worker crashed ${this.crashes.length} times in the last minute; not restarting yet`);
		}
		const worker = new Worker(this.options.workerPath ?? join(__dirname, 'tokenWorker.js'), { workerData: this.options.workerData });
		// Never keep a CLI or test process alive just for the worker; pending requests hold timers.
		worker.unref();
		worker.on('message', (m: TokenWorkerOutbound) => this.onMessage(m));
		worker.on('error', e => this.onExit(worker, new TokenWorkerError('crashed', `token worker error: ${e.message}`)));
		worker.on('exit', code => this.onExit(worker, new TokenWorkerError('crashed', `token worker exited with code ${code}`)));
		this.worker = worker;
		this.spawnCount++;
		return worker;
	}

	private onMessage(m: TokenWorkerOutbound): void {
		if (isNotification(m)) {
			this.options.onRefined?.(m.count);
			return;
		}
		const p = this.pending.get(m.id);
		if (!p) return; // timed out meanwhile
		this.pending.delete(m.id);
		clearTimeout(p.timer);
		if (m.ok) p.resolve(m.result);
		else p.reject(new TokenWorkerError(m.reason, m.message));
	}

	private onExit(worker: Worker, error: TokenWorkerError): void {
		if (this.worker !== worker) return; // an old worker we already replaced
		this.worker = undefined;
		if (this.disposed) return;
		this.crashes.push(Date.now());
		this.failAll(error);
		this.options.onCrash?.(error);
	}

	private stopWorker(worker: Worker, error: TokenWorkerError): void {
		if (this.worker !== worker) return;
		this.worker = undefined;
		this.failAll(error);
		void worker.terminate();
	}

	private failAll(error: TokenWorkerError): void {
		for (const [id, p] of this.pending) {
			clearTimeout(p.timer);
			this.pending.delete(id);
			p.reject(new TokenWorkerError(error.reason, error.message));
		}
	}
}

/** `text` cut into slices of at most `size` code units, never inside a surrogate pair. */
function sliceText(text: string, size: number): string[] {
	if (text.length <= size) return [text];
	const out: string[] = [];
	for (let pos = 0; pos < text.length;) {
		let end = Math.min(text.length, pos + Math.max(2, size));
		const c = text.charCodeAt(end - 1);
		if (end < text.length && c >= 0xd800 && c <= 0xdbff) end--;
		out.push(text.slice(pos, end));
		pos = end;
	}
	return out;
}
