/**
 * What an agent DID at a step — its tool calls — read from an assistant message whatever form the
 * format gives them: structured tool calls (transcripts and recordings), the `[tool call name args]`
 * lines the live engine renders into content (`live/messageMapping.ts`), or a fenced shell block
 * (mini-SWE-agent and SWE-agent act by writing one command in a ```bash block). Escalation routing
 * compares actions to spot a call repeated without progress; observation masking names the tool
 * whose output it elided; the shadow probe compares a model's action with the recorded one.
 */
import { canonicalJson } from '../lib/canonicalJson';
import type { EngineMessage } from './messages';

export interface AgentAction {
	readonly id?: string;
	readonly name: string;
	/** The arguments as sent (JSON text for tool calls, the command for a shell block). */
	readonly args: string;
}

const renderedCall = /^\[tool call (\S+) ([\s\S]*)\]$/;
const gatewayCall = /^([A-Za-z_][\w.-]*)\(([\s\S]*)\)$/;
const shellBlock = /```(?:bash|sh|shell|console)?[ \t]*\r?\n([\s\S]*?)```/;

/** The tool calls of an assistant message (empty for other messages and plain answers). */
export function actionsOf(m: Pick<EngineMessage, 'role' | 'content' | 'toolCalls' | 'toolCallIds'>): readonly AgentAction[] {
	if (m.role !== 'assistant') return [];
	if (m.toolCalls && m.toolCalls.length > 0) return m.toolCalls.map(c => ({ ...(c.id && { id: c.id }), name: c.name, args: c.arguments }));
	if (m.toolCallIds && m.toolCallIds.length > 0) {
		const ids = m.toolCallIds;
		const lines = m.content.split('\n');
		const out: AgentAction[] = [];
		for (const line of lines) {
			const r = renderedCall.exec(line);
			if (r) out.push({ ...(ids[out.length] !== undefined && { id: ids[out.length] }), name: r[1]!, args: r[2]! });
		}
		if (out.length > 0) return out;
		// The gateway's rendering: one `name(arguments)` line per call, after the text.
		const tail = lines.slice(-ids.length).map(l => gatewayCall.exec(l));
		if (tail.every(r => r !== null)) return tail.map((r, i) => ({ id: ids[i]!, name: r![1]!, args: r![2]! }));
	}
	const block = shellBlock.exec(m.content);
	return block ? [{ name: 'bash', args: block[1]!.trim() }] : [];
}

/** Arguments compared by meaning: JSON in canonical key order, other text with whitespace collapsed. */
function canonicalArgs(args: string): string {
	const text = args.trim();
	if (text.startsWith('{') || text.startsWith('[')) {
		try {
			return canonicalJson(JSON.parse(text));
		} catch {
			// not JSON after all: compared as text
		}
	}
	return text.replace(/\s+/g, ' ');
}

/** One string per action: the same tool with the same arguments gives the same key. */
export function actionKey(a: AgentAction): string {
	return `${a.name}\u0000${canonicalArgs(a.args)}`;
}

/** Argument names that say WHERE an action acts: files, commands, URLs, queries. */
const keyArgName = /^(path|file|filename|file_?path|filepath|target_file|command|cmd|url|query|pattern|old_str|path_or_pattern)$/i;

/**
 * The arguments that decide what an action does (file path, command, URL, query), as `name=value`
 * strings; a shell block's command is its own key argument, and a tool with none of these names is
 * decided by all its arguments. Used to judge whether two actions agree.
 */
export function keyArgsOf(a: AgentAction): readonly string[] {
	const text = a.args.trim();
	if (text.startsWith('{')) {
		try {
			const v = JSON.parse(text) as unknown;
			if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
				const keys = Object.entries(v as Record<string, unknown>)
					.filter(([k, x]) => keyArgName.test(k) && (typeof x === 'string' || typeof x === 'number'))
					.map(([k, x]) => `${k}=${String(x).trim().replace(/\s+/g, ' ')}`)
					.sort();
				// A tool without such arguments (book_reservation, calculate…): every argument decides.
				if (keys.length > 0) return keys;
			}
		} catch {
			// not JSON: the whole text is the key
		}
	}
	return [canonicalArgs(text)];
}

/**
 * The action whose output the observation at `index` is: the call it answers by id, else the
 * nearest assistant action before it (formats whose observations carry no ids).
 */
export function producingAction(messages: readonly EngineMessage[], index: number): AgentAction | undefined {
	const ids = messages[index]?.toolResultIds;
	for (let i = index - 1; i >= 0; i--) {
		const m = messages[i]!;
		if (m.role !== 'assistant') continue;
		const actions = actionsOf(m);
		if (actions.length === 0) continue;
		if (!ids || ids.length === 0) return actions[0];
		const match = actions.find(a => a.id !== undefined && ids.includes(a.id));
		if (match) return match;
	}
	return undefined;
}

/** `bash "sed -n 1,40p src/app.py"`, `read_file {"path":"a.py"}`: an action in a few words. */
export function describeAction(a: AgentAction, maxChars = 80): string {
	const args = a.args.replace(/\s+/g, ' ').trim();
	const shown = args.length > maxChars ? `${args.slice(0, maxChars - 1)}…` : args;
	return a.name === 'bash' && !args.startsWith('{') ? `bash "${shown}"` : shown ? `${a.name} ${shown}` : a.name;
}
