/** Wall-clock time in ms since the epoch. Injected so every policy is deterministic under test and replay. */
export interface Clock {
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A manual clock for tests and replays. */
export class ManualClock implements Clock {
	constructor(private t = 0) {}
	now(): number {
		return this.t;
	}
	set(ms: number): void {
		this.t = ms;
	}
	advance(ms: number): void {
		this.t += ms;
	}
}

/** Uniform random numbers in [0, 1). Injected so backoff jitter is reproducible. */
export interface Random {
	next(): number;
}

/** Math.random for live calls (jitter only needs to differ between processes; tests and replays use {@link seededRandom}). */
export const systemRandom: Random = { next: () => Math.random() };

/** mulberry32: tiny, fast, good enough for jitter and LSH hyperplanes; deterministic per seed. */
export function seededRandom(seed: number): Random {
	let a = seed >>> 0;
	return {
		next() {
			a = (a + 0x6d2b79f5) >>> 0;
			let t = a;
			t = Math.imul(t ^ (t >>> 15), t | 1);
			t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
			return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		},
	};
}
