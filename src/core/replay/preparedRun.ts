import type { ComplexityDecision } from '../routing/classifier';
import { classifyComplexity } from '../routing/classifier';
import type { EngineMessage } from '../compression/messages';
import { isObservation, messageTokens } from '../compression/messages';
import { truncateToolOutput } from '../compression/toolOutput';
import type { TokenCounter } from '../ports/tokenCounter';
import { memoizingCounter } from '../engine/memoizingCounter';
import { fastHash } from '../lib/fastHash';
import type { CostResult, PriceCatalog } from '../pricing/types';
import type { LlmCall, Transcript } from '../transcripts/model';
import { outputMessage, outputTextForCounting } from '../transcripts/messageShapes';
import type { CacheTtl } from './promptCacheRules';
import { distinctiveTerms } from './references';

/**
 * Where a thread's recorded messages first appear and which distinctive strings (paths,
 * identifiers, error messages) each holds: how a replay tells whether a later answer needed an
 * observation a scenario elided (see `riskTracker.ts`).
 */
export interface ThreadTerms {
	/** Position in `PreparedRun.calls` of the first call whose prompt holds the message. */
	readonly firstSeen: ReadonlyMap<EngineMessage, number>;
	/** The messages holding each string, in order of first appearance, with the position each appears at. */
	readonly byTerm: ReadonlyMap<string, TermHolders>;
}

export interface TermHolders {
	readonly messages: readonly EngineMessage[];
	/** `firstSeen` of each message (ascending). */
	readonly seen: readonly number[];
}

/** One message of a prompt with a key that identifies its content exactly. */
export interface PreparedSegment {
	readonly key: string;
	/** `key` as a number, for running prompt hashes. */
	readonly hash: number;
	readonly message: EngineMessage;
}

/**
 * A thread's prompts share one growing array while each call only appends to the previous one;
 * a call whose prompt rewrites history (an agent's own compaction) starts a new version.
 */
export interface PromptVersion {
	readonly id: number;
	readonly segments: PreparedSegment[];
}

/** Everything about one recorded call that does not depend on replay settings (computed once). */
export interface PreparedCall {
	readonly call: LlmCall;
	/**
	 * 1-based agent step of the run. A side call (`call.purpose`: the recording's summary or
	 * embedding) shares the number of the step it was made for, the next agent call.
	 */
	readonly step: number;
	/** 1-based position within its thread. */
	readonly stepInThread: number;
	readonly thread: string;
	/** When the call was sent (ms since epoch; synthetic when the file has no timestamps). */
	readonly atMs: number;
	readonly timestamped: boolean;
	readonly version: PromptVersion;
	/** The call's prompt is `version.segments[0..length)`. */
	readonly length: number;
	/** Leading messages equal to the previous call of the thread (0 for the first). */
	readonly commonWithPrevious: number;
	/** The baseline: the recorded usage priced with the catalog. */
	readonly recordedCost: CostResult | undefined;
	/** Recorded provider numbers (not counted or rounded): scenario steps identical to the recording reuse them. */
	readonly anchorable: boolean;
	/** The TTL the run's cache writes used (1h when the call wrote 1-hour entries). */
	readonly recordedTtl: CacheTtl;
	/**
	 * The prompt actually sent, when the recording product's policies changed the agent's (a
	 * recording of our own live calls or gateway): the recorded usage belongs to it.
	 */
	readonly sent?: { readonly segments: readonly PreparedSegment[]; readonly contentKeys: readonly number[] };
}

export interface PrepareOptions {
	readonly counter: TokenCounter;
	readonly catalog: PriceCatalog;
	/** Gap between calls assumed when the file has no timestamps. */
	readonly assumedStepGapMs?: number;
	/** Price timestamp-less calls as of this date (defaults to the catalog's clock). */
	readonly at?: Date;
}

/**
 * The settings-independent half of a replay: prompts rebuilt step by step as the agent sent them
 * (delta formats expanded per thread), content keys, memoized token counts, routing features and
 * the baseline cost. Many scenarios then run over one prepared run cheaply.
 */
export class PreparedRun {
	readonly calls: PreparedCall[] = [];
	readonly counter: TokenCounter;
	private readonly sums = new Map<PromptVersion, Map<string, number[]>>();
	private readonly complexity = new Map<PreparedCall, Map<string, ComplexityDecision>>();
	private readonly outputTokens = new Map<PreparedCall, Map<string, number>>();
	private readonly emptyChat = new Map<string, number>();
	private readonly segmentTokens = new Map<string, Map<PreparedSegment, number>>();
	private readonly windows = new Map<string, number | undefined>();
	private readonly keyed = new WeakMap<EngineMessage, PreparedSegment>();
	private readonly truncated = new WeakMap<PreparedSegment, Map<string, PreparedSegment>>();
	private readonly contentKeys = new WeakMap<EngineMessage, number>();
	private readonly sentSums = new Map<PreparedCall, Map<string, number>>();
	private readonly terms = new WeakMap<EngineMessage, readonly string[]>();
	private readonly outputTerms = new Map<PreparedCall, readonly { readonly term: string; readonly holders: TermHolders }[]>();
	private readonly threadTerms = new Map<string, ThreadTerms>();

	constructor(
		readonly transcript: Transcript,
		readonly options: PrepareOptions,
	) {
		this.counter = memoizingCounter(options.counter);
		this.prepare();
	}

	/** A message's content alone (no compression marker): how a replayed prompt is matched to a recorded `sent` one. */
	contentKeyOf(message: EngineMessage): number {
		let k = this.contentKeys.get(message);
		if (k === undefined) {
			k = fastHash(`${message.role}\u0000${message.content}`);
			this.contentKeys.set(message, k);
		}
		return k;
	}

	/** Tokens of a recorded `sent` prompt for `model` (messages only). */
	sentPromptTokens(call: PreparedCall, model: string): number {
		let byModel = this.sentSums.get(call);
		if (!byModel) this.sentSums.set(call, (byModel = new Map()));
		let n = byModel.get(model);
		if (n === undefined) {
			n = 0;
			for (const seg of call.sent?.segments ?? []) n += this.tokensOf(seg, model);
			byModel.set(model, n);
		}
		return n;
	}

	/** The segment for a message object (messages a compression inserted get theirs on first use). */
	segmentOf(message: EngineMessage): PreparedSegment {
		let seg = this.keyed.get(message);
		if (!seg) {
			const marker = message.compression ? `|${message.compression.kind}:${message.compression.replaces}:${message.compression.tokens ?? ''}` : '';
			const calls = message.toolCallIds?.join(',') ?? '';
			const results = message.toolResultIds?.join(',') ?? '';
			const hash = fastHash(`${message.role}\u0000${message.name ?? ''}\u0000${calls}\u0000${results}\u0000${message.content}${marker}`);
			seg = { key: hash.toString(36), hash, message };
			this.keyed.set(message, seg);
		}
		return seg;
	}

	/**
	 * A tool result cut to `maxTokens` (structure-aware, with a note of what was cut), or the segment
	 * itself when it is not a tool result or already fits. Shared by every scenario of the run.
	 */
	truncatedToolOutput(segment: PreparedSegment, maxTokens: number, model: string): PreparedSegment {
		const m = segment.message;
		if (!isObservation(m)) return segment;
		const key = `${maxTokens}|${model}`;
		let byKey = this.truncated.get(segment);
		if (!byKey) this.truncated.set(segment, (byKey = new Map()));
		let out = byKey.get(key);
		if (!out) {
			const r = truncateToolOutput(m.content, maxTokens, model, this.counter);
			out = r.truncated ? this.segmentOf({ ...m, content: r.text }) : segment;
			byKey.set(key, out);
		}
		return out;
	}

	/** The distinctive strings of a message (memoized: shared by every scenario of the run). */
	termsOf(message: EngineMessage): readonly string[] {
		let t = this.terms.get(message);
		if (!t) this.terms.set(message, (t = distinctiveTerms(message.content)));
		return t;
	}

	/**
	 * The distinctive strings of what a call answered (its text and tool calls) that some message of
	 * its thread holds, each with those holders — the only strings a reference check needs to look at
	 * (memoized: shared by every scenario of the run).
	 */
	outputTermsOf(call: PreparedCall): readonly { readonly term: string; readonly holders: TermHolders }[] {
		let t = this.outputTerms.get(call);
		if (!t) {
			const byTerm = this.termsOfThread(call.thread).byTerm;
			const terms = call.call.output ? distinctiveTerms(outputTextForCounting(call.call.output), 256) : [];
			t = terms.flatMap(term => {
				const holders = byTerm.get(term);
				return holders ? [{ term, holders }] : [];
			});
			this.outputTerms.set(call, t);
		}
		return t;
	}

	/** The term index of a thread's recorded messages (built on first use, once per run). */
	termsOfThread(thread: string): ThreadTerms {
		let index = this.threadTerms.get(thread);
		if (!index) {
			const firstSeen = new Map<EngineMessage, number>();
			const byTerm = new Map<string, { messages: EngineMessage[]; seen: number[] }>();
			let previous: PreparedCall | undefined;
			this.calls.forEach((pc, i) => {
				if (pc.thread !== thread || pc.call.purpose !== undefined) return;
				// Only what is new since the thread's previous call (the common prefix was indexed then).
				const from = previous && previous.version === pc.version ? Math.min(pc.commonWithPrevious, previous.length) : 0;
				previous = pc;
				for (let k = from; k < pc.length; k++) {
					const m = pc.version.segments[k]!.message;
					if (firstSeen.has(m)) continue;
					firstSeen.set(m, i);
					for (const t of this.termsOf(m)) {
						const h = byTerm.get(t);
						if (h) {
							h.messages.push(m);
							h.seen.push(i);
						} else byTerm.set(t, { messages: [m], seen: [i] });
					}
				}
			});
			this.threadTerms.set(thread, (index = { firstSeen, byTerm }));
		}
		return index;
	}

	/** Tokens one message adds to a chat for `model` (memoized per segment and model: every scenario asks at every step). */
	tokensOf(segment: PreparedSegment, model: string): number {
		let byModel = this.segmentTokens.get(model);
		if (!byModel) this.segmentTokens.set(model, (byModel = new Map()));
		let n = byModel.get(segment);
		if (n === undefined) {
			let empty = this.emptyChat.get(model);
			if (empty === undefined) this.emptyChat.set(model, (empty = this.counter.countChat(model, []).tokens));
			byModel.set(segment, (n = messageTokens(this.counter, model, segment.message, empty)));
		}
		return n;
	}

	/** The model's context window from the catalog (memoized: asked at every step). */
	contextWindowOf(model: string): number | undefined {
		if (!this.windows.has(model)) {
			const d = this.options.catalog.describe?.(model);
			this.windows.set(model, d?.kind === 'known' ? d.contextWindow : undefined);
		}
		return this.windows.get(model);
	}

	/** Tokens of the recorded prompt of `call` (messages only) for `model`, via per-version prefix sums. */
	recordedPromptTokens(call: PreparedCall, model: string): number {
		let byModel = this.sums.get(call.version);
		if (!byModel) this.sums.set(call.version, (byModel = new Map()));
		let cum = byModel.get(model);
		if (!cum) byModel.set(model, (cum = [0]));
		const segs = call.version.segments;
		while (cum.length <= call.length) {
			const i = cum.length - 1;
			cum.push(cum[i]! + this.tokensOf(segs[i]!, model));
		}
		return cum[call.length]!;
	}

	/** The recorded prompt of a call as messages (a fresh array). */
	promptMessages(call: PreparedCall): EngineMessage[] {
		return call.version.segments.slice(0, call.length).map(s => s.message);
	}

	/**
	 * The complexity router's view of a recorded step: the request as the agent built it, with its
	 * size for the medium tier (the long-prompt rule). Memoized per step and medium model.
	 */
	complexityOf(call: PreparedCall, mediumModel: string, promptTokens: number): ComplexityDecision {
		let byModel = this.complexity.get(call);
		if (!byModel) this.complexity.set(call, (byModel = new Map()));
		let d = byModel.get(mediumModel);
		if (!d) {
			d = classifyComplexity({ messages: this.promptMessages(call), tools: call.call.input?.tools, step: { index: call.stepInThread }, promptTokens });
			byModel.set(mediumModel, d);
		}
		return d;
	}

	/**
	 * Output tokens the same answer would take with `model`: the recorded count scaled by how the two
	 * tokenizers count the recorded output text (an estimate whenever the model differs).
	 */
	outputTokensFor(call: PreparedCall, model: string): number {
		const recorded = call.call.usage.output;
		if (model === call.call.model) return recorded;
		let m = this.outputTokens.get(call);
		if (!m) this.outputTokens.set(call, (m = new Map()));
		let v = m.get(model);
		if (v === undefined) {
			const text = call.call.output ? outputTextForCounting(call.call.output) : '';
			const from = text ? this.counter.countText(call.call.model || model, text).tokens : 0;
			const to = text ? this.counter.countText(model, text).tokens : 0;
			v = from > 0 ? Math.round((recorded * to) / from) : recorded;
			m.set(model, v);
		}
		return v;
	}

	private prepare(): void {
		const t = this.transcript;
		const gap = this.options.assumedStepGapMs ?? 10_000;
		const threads = new Map<string, { version: PromptVersion; length: number; steps: number; output?: EngineMessage }>();
		let versions = 0;
		let agentSteps = 0;
		let lastAt: number | undefined;
		const start = t.startedAt ? Date.parse(t.startedAt) : NaN;
		for (const call of t.calls) {
			const parsed = call.startedAt ? Date.parse(call.startedAt) : NaN;
			const timestamped = Number.isFinite(parsed);
			// Timestamps must not go backwards for the cache model; files without them get a fixed gap.
			const atMs = timestamped ? Math.max(parsed, lastAt ?? parsed) : lastAt !== undefined ? lastAt + gap : Number.isFinite(start) ? start : 0;
			lastAt = atMs;

			const prev = threads.get(call.thread);
			const input = call.input;
			const appended: EngineMessage[] = [];
			let full: EngineMessage[] | undefined;
			if (!input) full = [];
			else if (input.kind === 'full') full = input.messages as EngineMessage[];
			else {
				if (prev?.output) appended.push(prev.output);
				appended.push(...(input.messages as EngineMessage[]));
			}

			let version: PromptVersion;
			let length: number;
			let common = 0;
			if (full === undefined && prev) {
				// Delta: the previous prompt, its answer, then the new messages.
				version = prev.version;
				if (version.segments.length !== prev.length) {
					version = { id: ++versions, segments: version.segments.slice(0, prev.length) };
				}
				for (const m of appended) version.segments.push(this.segmentOf(m));
				length = version.segments.length;
				common = prev.length;
			} else if (full === undefined) {
				version = { id: ++versions, segments: appended.map(m => this.segmentOf(m)) };
				length = version.segments.length;
			} else {
				const segs = full.map(m => this.segmentOf(m));
				if (prev) {
					const old = prev.version.segments;
					const limit = Math.min(prev.length, segs.length);
					while (common < limit && old[common]!.key === segs[common]!.key) common++;
				}
				if (prev && common === prev.length && prev.version.segments.length === prev.length) {
					version = prev.version;
					for (let i = common; i < segs.length; i++) version.segments.push(segs[i]!);
				} else {
					version = { id: ++versions, segments: segs };
				}
				length = segs.length;
			}
			const steps = (prev?.steps ?? 0) + 1;
			threads.set(call.thread, { version, length, steps, output: call.output ? (outputMessage(call.output) as EngineMessage) : undefined });

			const at = timestamped ? new Date(parsed) : this.options.at;
			let recordedCost: CostResult | undefined;
			if (call.model) {
				try {
					recordedCost = this.options.catalog.cost(call.model, call.usage, { ...(at && { at }), ...(call.provider && { provider: call.provider }) });
				} catch {
					recordedCost = undefined;
				}
			}
			if (!call.purpose) agentSteps++;
			this.calls.push({
				call,
				step: agentSteps + (call.purpose ? 1 : 0),
				stepInThread: steps,
				thread: call.thread,
				atMs,
				timestamped,
				version,
				length,
				commonWithPrevious: common,
				recordedCost,
				// A cache hit or a refusal recorded no provider usage of its own: nothing to reuse.
				anchorable: (call.usageSource === 'recorded' || call.usageSource === 'placeholder-output') && !call.servedFrom && call.status !== 'refused',
				recordedTtl: call.usage.cacheWrite1h > 0 ? '1h' : '5m',
				...(call.sent && {
					sent: {
						segments: call.sent.messages.map(m => this.segmentOf(m as EngineMessage)),
						contentKeys: call.sent.messages.map(m => this.contentKeyOf(m as EngineMessage)),
					},
				}),
			});
		}
	}
}
