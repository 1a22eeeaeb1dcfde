/**
 * Why `id` cannot name a model, or undefined when it can: THE rule (`checkModelId` in count.ts
 * throws with it). A module of its own so the extension host and importers check settings, typed
 * ids and recorded ids without loading the tokenizer.
 */
export function modelIdProblem(id: string): string | undefined {
	const trimmed = id.trim();
	if (!trimmed) return 'a model id is required, e.g. gpt-4o or claude-sonnet-4-5';
	if (trimmed.length > 200) return 'that is too long for a model id';
	if (/[\u0000-\u001f\u007f\s]/.test(trimmed)) return 'a model id has no spaces or control characters';
	return undefined;
}
