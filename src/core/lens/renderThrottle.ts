/**
 * At most one call of `run` per `intervalMs`: the first request after a quiet period runs at once
 * (typing after a pause shows up immediately), requests during the interval collapse into one run
 * at its end (the status bar shows the latest state, a few times per second at most). Timers are
 * injected so the rule is unit-tested without waiting.
 */
export interface RenderThrottle {
	/** Asks for a run; returns at once. */
	request(): void;
	/** Runs now if a run is pending (e.g. before disposal or in tests). */
	flush(): void;
	dispose(): void;
}

export interface ThrottleTimers {
	now(): number;
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

const realTimers: ThrottleTimers = {
	now: () => Date.now(),
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createRenderThrottle(run: () => void, intervalMs: number, timers: ThrottleTimers = realTimers): RenderThrottle {
	let last = -Infinity;
	let timer: unknown;
	let disposed = false;
	const fire = () => {
		timer = undefined;
		last = timers.now();
		run();
	};
	return {
		request() {
			if (disposed || timer !== undefined) return;
			const wait = last + intervalMs - timers.now();
			if (wait <= 0) fire();
			else timer = timers.setTimeout(fire, wait);
		},
		flush() {
			if (timer === undefined) return;
			timers.clearTimeout(timer);
			fire();
		},
		dispose() {
			disposed = true;
			if (timer !== undefined) timers.clearTimeout(timer);
			timer = undefined;
		},
	};
}
