/**
 * What a scenario's compression takes away from the model, tracked as a replay runs: which
 * recorded observations it no longer shows whole (masked, dropped, summarized away, truncated),
 * and which of those a later step turned out to need — the recorded answer of that step names a
 * file path, identifier or error message that only the elided observations held (nothing the
 * scenario still shows at that step contains it). That agent read it there; a model shown the
 * scenario's prompt could not have.
 *
 * Incremental: each elided message is recorded once, and a step's check looks up only the strings
 * of its own answer in the run's term index (`PreparedRun.termsOfThread`, built once per run and
 * shared by every scenario). Elision only grows while a thread's compression stands, so what a
 * check found hidden stays hidden and is never scanned again, and a message found showing a string
 * is asked first next time. Nothing is looked up while a scenario has elided nothing.
 */
import type { EngineMessage } from '../compression/messages';
import { isObservation } from '../compression/messages';
import type { PreparedCall, PreparedRun, TermHolders } from './preparedRun';

/** How a recorded message is shown: not at all (`hidden`), or only as a shortened copy. */
type Elision = { readonly kind: 'hidden' } | { readonly kind: 'shortened'; readonly copy: EngineMessage };

const hidden: Elision = { kind: 'hidden' };

/** Per string: holders [0, hiddenUpTo] are known not to show it; `shown` last did (-1: none known). */
interface TermScan {
	hiddenUpTo: number;
	shown: number;
}

interface ThreadRisk {
	readonly elided: Map<EngineMessage, Elision>;
	readonly scans: Map<string, TermScan>;
}

/** The last index of `seen` (ascending) whose value is ≤ `at`, or -1. */
function lastAtOrBefore(seen: readonly number[], at: number): number {
	let lo = 0;
	let hi = seen.length - 1;
	let found = -1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (seen[mid]! <= at) {
			found = mid;
			lo = mid + 1;
		} else hi = mid - 1;
	}
	return found;
}

export class RiskTracker {
	private readonly threads = new Map<string, ThreadRisk>();
	/** Shortened copies → the recorded message they stand for. */
	private readonly originals = new Map<EngineMessage, EngineMessage>();
	private readonly everElided = new Set<EngineMessage>();
	private readonly referenced = new Set<EngineMessage>();
	/** Recorded observations the model no longer saw whole, each counted once. */
	observationsElided = 0;
	/** Of those, how many a later step's answer referred to. */
	referencedLater = 0;

	constructor(private readonly run: PreparedRun) {}

	private threadOf(thread: string): ThreadRisk {
		let t = this.threads.get(thread);
		if (!t) this.threads.set(thread, (t = { elided: new Map(), scans: new Map() }));
		return t;
	}

	private mark(thread: string, recorded: EngineMessage, how: Elision): number {
		this.threadOf(thread).elided.set(recorded, how);
		if (!isObservation(recorded) || this.everElided.has(recorded)) return 0;
		this.everElided.add(recorded);
		this.observationsElided++;
		return 1;
	}

	/** A recorded observation enters the scenario's history shortened (tool-output truncation). Returns 1 when it is newly elided. */
	shortened(thread: string, recorded: EngineMessage, copy: EngineMessage): number {
		this.originals.set(copy, recorded);
		return this.mark(thread, recorded, { kind: 'shortened', copy });
	}

	/**
	 * Messages a compression removed from the scenario's history (the scenario's own messages:
	 * recorded ones, shortened copies, earlier summaries). Returns the observations newly elided.
	 */
	removed(thread: string, messages: Iterable<EngineMessage>): number {
		const known = this.run.termsOfThread(thread).firstSeen;
		let n = 0;
		for (const m of messages) {
			const recorded = this.originals.get(m) ?? m;
			// Summaries, markers and placeholders a compression inserted are not the run's own.
			if (known.has(recorded)) n += this.mark(thread, recorded, hidden);
		}
		return n;
	}

	/** The recording rewrote the thread's history and the scenario's compression was dropped: everything is shown again. */
	reset(thread: string): void {
		const t = this.threads.get(thread);
		t?.elided.clear();
		t?.scans.clear();
	}

	/**
	 * Elided observations the answer of `pc` (at position `at` in the run's calls) referred to,
	 * counted once each over the run. Returns how many this step added.
	 */
	references(thread: string, at: number, pc: PreparedCall): number {
		const t = this.threads.get(thread);
		if (!t || t.elided.size === 0) return 0;
		let added = 0;
		for (const { term, holders } of this.run.outputTermsOf(pc)) added += this.check(t, term, holders, lastAtOrBefore(holders.seen, at));
		return added;
	}

	/** Whether `holders.messages[k]` shows `term` in the scenario. */
	private shows(t: ThreadRisk, holders: TermHolders, k: number, term: string): boolean {
		const e = t.elided.get(holders.messages[k]!);
		return e === undefined || (e.kind === 'shortened' && this.run.termsOf(e.copy).includes(term));
	}

	/** Checks one string against its holders [0, last]; marks and returns the elided observations it needed. */
	private check(t: ThreadRisk, term: string, holders: TermHolders, last: number): number {
		if (last < 0) return 0;
		let scan = t.scans.get(term);
		if (!scan) t.scans.set(term, (scan = { hiddenUpTo: -1, shown: -1 }));
		if (scan.shown >= 0 && scan.shown <= last && this.shows(t, holders, scan.shown, term)) return 0;
		for (let k = last; k > scan.hiddenUpTo; k--) {
			if (this.shows(t, holders, k, term)) {
				scan.shown = k;
				return 0;
			}
		}
		// Nothing up to `last` shows it: the elided observations among the newly scanned holders were needed.
		let added = 0;
		for (let k = scan.hiddenUpTo + 1; k <= last; k++) {
			const m = holders.messages[k]!;
			if (isObservation(m) && !this.referenced.has(m)) {
				this.referenced.add(m);
				this.referencedLater++;
				added++;
			}
		}
		scan.hiddenUpTo = last;
		scan.shown = -1;
		return added;
	}
}
