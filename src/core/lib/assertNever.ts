/** Exhaustiveness check for discriminated unions: fails the type check when a case is missing. */
export function assertNever(value: never, what = 'value'): never {
	throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
