/**
 * Typed errors with a machine-readable reason. Callers branch on `reason` through the static
 * `is()` guards, never on message text (the adapter owns user-facing wording).
 */
export abstract class EngineError<R extends string = string> extends Error {
	abstract readonly kind: string;
	constructor(
		readonly reason: R,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.name = new.target.name;
	}
}

/** Bad input the user can fix: arguments, settings, files. */
export class InputError extends EngineError<'badArgument' | 'badFile' | 'badSetting' | 'unknownModel' | 'unknownFormat' | 'tooLarge'> {
	readonly kind = 'input';
	static is(e: unknown, reason?: InputError['reason']): e is InputError {
		return e instanceof InputError && (reason === undefined || e.reason === reason);
	}
}

/** Cancellation requested through an AbortSignal. */
export class CancelledError extends EngineError<'cancelled'> {
	readonly kind = 'cancelled';
	constructor(message = 'Cancelled') {
		super('cancelled', message);
	}
	static is(e: unknown): e is CancelledError {
		return e instanceof CancelledError;
	}
}

/** Throws a {@link CancelledError} if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new CancelledError();
}

/** A short, single-line description of any thrown value, for logs and CLI messages. */
export function describeError(e: unknown): string {
	if (e instanceof Error) return e.message.split('\n')[0]!; // split always yields a first part
	return String(e);
}
