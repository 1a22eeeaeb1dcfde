/**
 * One API call counted once, however many files repeat it. Records with the same key are merged:
 * the numbers of the most complete copy win (Claude Code: the line with the largest output count —
 * input and cache numbers repeat on every line; Gemini CLI: the latest version of a re-appended
 * message), the session of the first copy keeps the call.
 *
 * Claude Code's output counts are streaming placeholders unless some line of the response carries
 * a stop_reason; {@link CallLedger.correctPlaceholders} replaces them, as `agent-cost report` does,
 * with max(recorded, ≈counted content of the response's distinct lines) and keeps what was recorded.
 */
import type { Usage } from '../pricing/usage';
import type { SeenLines, UsageRecord } from './usageRecord';

/** What identifies a call and where it is billed: taken from its first copy. */
type CallIdentity = Pick<UsageRecord, 'agent' | 'key' | 'sessionId' | 'sidechain' | 'project' | 'model' | 'provider'>;

/** A deduplicated call. */
export interface LedgerCall extends CallIdentity {
	readonly at?: string;
	readonly usage: Usage;
	/** The output count may be a streaming placeholder (no line of the response carried a stop_reason). */
	readonly placeholder: boolean;
	/** Set once corrected: the output the logs recorded (usage.output is then ≈ the content's count). */
	readonly recordedOutput?: number;
}

interface Entry {
	readonly identity: CallIdentity;
	at?: string;
	/** The recorded numbers (merged over copies); a correction never overwrites them. */
	usage: Usage;
	final: boolean;
	/** The placeholder-corrected output, until another copy of the call arrives. */
	correctedOutput?: number;
	/** Text (or its token count) of each distinct line of a response not known to be final, by line id. */
	texts?: Map<string, string | number>;
}

export interface PlaceholderCorrection {
	readonly calls: number;
	readonly recordedOutput: number;
	readonly correctedOutput: number;
}

/** What a record says a response line generated: its text, or that text's count. */
function generated(r: UsageRecord): string | number | undefined {
	return r.textTokens ?? (r.text ? r.text : undefined);
}

function total(u: Usage): number {
	return u.input + u.output;
}

export class CallLedger implements SeenLines {
	private readonly entries = new Map<string, Entry>();
	private readonly lines = new Set<string>();

	get size(): number {
		return this.entries.size;
	}

	hasLine(key: string, lineId: string): boolean {
		return this.lines.has(`${key}\u0001${lineId}`);
	}

	add(r: UsageRecord): void {
		const id = `${r.agent}\u0002${r.key}`;
		if (r.lineId !== undefined) {
			const line = `${r.key}\u0001${r.lineId}`;
			if (this.lines.has(line)) return; // the same line again (a verbatim copy in another file)
			this.lines.add(line);
		}
		const e = this.entries.get(id);
		if (!e) {
			const { usage, final, at, lineId, text: _text, textTokens: _tokens, ...identity } = r;
			const said = generated(r);
			this.entries.set(id, { identity, ...(at !== undefined && { at }), usage, final, ...(!final && lineId !== undefined && said !== undefined && { texts: new Map([[lineId, said]]) }) });
			return;
		}
		e.correctedOutput = undefined;
		if (r.agent === 'gemini' ? total(r.usage) >= total(e.usage) : r.usage.output > e.usage.output) e.usage = r.usage;
		if (r.at !== undefined && (e.at === undefined || r.at < e.at)) e.at = r.at;
		if (r.final) {
			e.final = true;
			e.texts = undefined;
		} else if (!e.final && r.lineId !== undefined && generated(r) !== undefined) (e.texts ??= new Map()).set(r.lineId, generated(r)!);
	}

	/**
	 * Replaces placeholder outputs by max(recorded, Σ counted tokens of the response's lines).
	 * `count` is only called when there is a placeholder (so a tokenizer loads only then).
	 */
	correctPlaceholders(count: (model: string, text: string) => number): PlaceholderCorrection {
		let calls = 0;
		let recorded = 0;
		let corrected = 0;
		for (const e of this.entries.values()) {
			if (e.final || e.identity.agent !== 'claude') continue;
			const before = e.usage.output;
			let counted = 0;
			for (const text of e.texts?.values() ?? []) counted += typeof text === 'number' ? text : count(e.identity.model, text);
			e.correctedOutput = Math.max(before, counted);
			calls++;
			recorded += before;
			corrected += e.correctedOutput;
		}
		return { calls, recordedOutput: recorded, correctedOutput: corrected };
	}

	/** The deduplicated calls; call {@link correctPlaceholders} first for corrected outputs. */
	*calls(): IterableIterator<LedgerCall> {
		for (const e of this.entries.values()) {
			yield {
				...e.identity,
				...(e.at !== undefined && { at: e.at }),
				usage: e.correctedOutput !== undefined ? { ...e.usage, output: e.correctedOutput } : e.usage,
				placeholder: !e.final && e.identity.agent === 'claude',
				...(e.correctedOutput !== undefined && { recordedOutput: e.usage.output }),
			};
		}
	}
}
