/**
 * Polls `probe` every 50 ms until it returns something other than `undefined`/`false`, or fails
 * with a message naming `what` after `timeoutMs`. For state that VS Code delivers asynchronously
 * (tabs, webviews, status bar renders).
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}
