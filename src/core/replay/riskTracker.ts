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
 * shared by every scenario), stopping at the newest message that still shows the string. Nothing
 * is scanned per step while a scenario has elided nothing.
 */
import type { EngineMessage } from '../compression/messages';
import { isObservation } from '../compression/messages';
import type { PreparedCall, PreparedRun } from './preparedRun';

/** How a recorded message is shown: not at all (`hidden`), or only as a shortened copy. */
type Elision = { readonly kind: 'hidden' } | { readonly kind: 'shortened'; readonly copy: EngineMessage };

const hidden: Elision = { kind: 'hidden' };

export class RiskTracker {
	/** Per thread: the recorded messages the scenario shows no longer (or only shortened). */
	private readonly elided = new Map<string, Map<EngineMessage, Elision>>();
	/** Shortened copies → the recorded message they stand for. */
	private readonly originals = new Map<EngineMessage, EngineMessage>();
	private readonly everElided = new Set<EngineMessage>();
	private readonly referenced = new Set<EngineMessage>();
	/** Recorded observations the model no longer saw whole, each counted once. */
	observationsElided = 0;
	/** Of those, how many a later step's answer referred to. */
	referencedLater = 0;

	constructor(private readonly run: PreparedRun) {}

	private elidedOf(thread: string): Map<EngineMessage, Elision> {
		let m = this.elided.get(thread);
		if (!m) this.elided.set(thread, (m = new Map()));
		return m;
	}

	private mark(thread: string, recorded: EngineMessage, how: Elision): number {
		this.elidedOf(thread).set(recorded, how);
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
		this.elided.get(thread)?.clear();
	}

	/**
	 * Elided observations the answer of `pc` (at position `at` in the run's calls) referred to,
	 * counted once each over the run. Returns how many this step added.
	 */
	references(thread: string, at: number, pc: PreparedCall): number {
		const elided = this.elided.get(thread);
		if (!elided || elided.size === 0) return 0;
		const index = this.run.termsOfThread(thread);
		let added = 0;
		for (const term of this.run.outputTermsOf(pc)) {
			const holders = index.byTerm.get(term);
			if (!holders) continue;
			if (this.stillShown(holders, term, at, elided, index.firstSeen)) continue;
			for (const m of holders) {
				if (index.firstSeen.get(m)! > at) break;
				if (elided.has(m) && isObservation(m) && !this.referenced.has(m)) {
					this.referenced.add(m);
					this.referencedLater++;
					added++;
				}
			}
		}
		return added;
	}

	/** Some message the scenario shows at `at` holds `term` (the newest holders are checked first). */
	private stillShown(holders: readonly EngineMessage[], term: string, at: number, elided: ReadonlyMap<EngineMessage, Elision>, firstSeen: ReadonlyMap<EngineMessage, number>): boolean {
		for (let k = holders.length - 1; k >= 0; k--) {
			const m = holders[k]!;
			if (firstSeen.get(m)! > at) continue;
			const e = elided.get(m);
			if (e === undefined) return true;
			if (e.kind === 'shortened' && this.run.termsOf(e.copy).includes(term)) return true;
		}
		return false;
	}
}
