/**
 * Durations of the lens's work on the extension host's thread (per event handler), so the real
 * VS Code run can report how long the shared thread was blocked (bench/results/lens.md). Bounded:
 * the newest `capacity` samples per name are kept.
 */
export interface TimingSummary {
	readonly count: number;
	readonly median: number;
	readonly p95: number;
	readonly max: number;
	readonly mean: number;
}

/** Median, p95 (nearest rank), max and mean of `xs`; zeros for an empty list. */
export function summarize(xs: readonly number[]): TimingSummary {
	if (xs.length === 0) return { count: 0, median: 0, p95: 0, max: 0, mean: 0 };
	const sorted = [...xs].sort((a, b) => a - b);
	// Not empty (checked above), so every clamped index is in range.
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
	return { count: xs.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]!, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

export class TimingStats {
	private readonly samples = new Map<string, number[]>();

	constructor(private readonly capacity = 10_000) {}

	record(name: string, ms: number): void {
		let list = this.samples.get(name);
		if (!list) this.samples.set(name, (list = []));
		list.push(ms);
		if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
	}

	/** Runs `fn` and records how long it took, wall clock (also when it throws). */
	time<T>(name: string, now: () => number, fn: () => T): T {
		const start = now();
		try {
			return fn();
		} finally {
			this.record(name, now() - start);
		}
	}

	/** A copy of the samples kept for `name` (oldest first). */
	list(name: string): number[] {
		return [...(this.samples.get(name) ?? [])];
	}

	names(): string[] {
		return [...this.samples.keys()];
	}

	summary(): Record<string, TimingSummary> {
		const out: Record<string, TimingSummary> = {};
		for (const [name, xs] of this.samples) out[name] = summarize(xs);
		return out;
	}
}
