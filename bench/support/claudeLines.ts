// Real Claude Code session lines for the benchmarks that need more of them than exist: read once,
// then written again with fresh ids (a "new" session) or with the same ids (a resumed or forked
// copy, which dedupe must recognize).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every line of every `.jsonl` under the folders, parsed, in file order (folders walked recursively, sorted). */
export function readClaudeLines(...dirs: string[]): Record<string, unknown>[] {
	const files = (dir: string): string[] =>
		readdirSync(dir)
			.sort()
			.flatMap(n => {
				const p = join(dir, n);
				return statSync(p).isDirectory() ? files(p) : p.endsWith('.jsonl') ? [p] : [];
			});
	return dirs.flatMap(files).flatMap(f =>
		readFileSync(f, 'utf8')
			.split('\n')
			.filter(l => l.trim())
			.map(l => JSON.parse(l) as Record<string, unknown>),
	);
}

const idKeys = ['uuid', 'parentUuid', 'logicalParentUuid', 'requestId', 'sourceToolAssistantUUID', 'messageId', 'leafUuid', 'toolUseID', 'parentToolUseID'];

/** A copy of a line with every id suffixed (new calls, not duplicates) and the given session id. */
export function renumberClaudeLine(line: Record<string, unknown>, suffix: string, sessionId: string): string {
	const copy = structuredClone(line) as Record<string, unknown>;
	copy.sessionId = sessionId;
	for (const key of idKeys) if (typeof copy[key] === 'string') copy[key] = `${copy[key]}${suffix}`;
	const message = copy.message as Record<string, unknown> | undefined;
	if (message && typeof message.id === 'string') message.id = `${message.id}${suffix}`;
	if (message && Array.isArray(message.content)) {
		for (const b of message.content as Record<string, unknown>[]) {
			if (typeof b.id === 'string') b.id = `${b.id}${suffix}`;
			if (typeof b.tool_use_id === 'string') b.tool_use_id = `${b.tool_use_id}${suffix}`;
		}
	}
	return JSON.stringify(copy);
}
