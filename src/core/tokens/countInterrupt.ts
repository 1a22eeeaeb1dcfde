import { CancelledError } from '../lib/errors';

/** What a long count polls to know it should stop: an AbortSignal fits. */
export interface CountSignal {
	readonly aborted: boolean;
}

/** Options of a count that may take long (a megabyte-long run: a few hundred ms). */
export interface CountOptions {
	/** Polled between segments and every few thousand merges; once aborted the count throws {@link CancelledError}. */
	readonly signal?: CountSignal;
}

let ambient: (() => boolean) | undefined;

/**
 * Installs a check that every long count polls besides its own signal. For hosts whose
 * cancellation cannot reach synchronous code through an AbortSignal: the engine worker's check
 * reads the running job's shared cancel flag, which the extension host sets directly, so a job
 * cancelled in the middle of a count stops there (see `src/node/jobServer.ts`).
 */
export function setCountInterruptCheck(check: (() => boolean) | undefined): void {
	ambient = check;
}

/** The interrupt a count polls, or undefined when nothing can cancel it. */
export function countInterrupt(signal?: CountSignal): (() => void) | undefined {
	if (!signal && !ambient) return undefined;
	return () => {
		if (signal?.aborted || ambient?.()) throw new CancelledError();
	};
}
