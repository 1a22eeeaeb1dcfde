/**
 * OpenAI chat message arrays WITHOUT usage: τ-bench historical trajectories (`{task_id, traj[], info}`),
 * `{messages: [...]}` documents and bare `[{role, content}, …]` arrays. Every assistant message is one
 * call whose prompt is everything before it; tokens are counted with the engine and marked `counted`.
 */
import { TranscriptImportError } from './importErrors';
import { CountedRun, type ImportOptions, modelForCounting, TranscriptBuilder, throwIfAborted } from './importSupport';
import { isRecord, rec, str } from './jsonAccess';
import { contentText, fromOpenAIChatMessage } from './messageShapes';
import type { CallOutput, Transcript, TranscriptMessage } from './model';
import { resolveModel } from './modelResolution';

const chatRoles = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function isChatArray(v: unknown): v is readonly unknown[] {
	if (!Array.isArray(v) || v.length === 0) return false;
	let assistants = 0;
	for (const m of v) {
		if (!isRecord(m) || typeof m.role !== 'string' || !chatRoles.has(m.role)) return false;
		if (m.role === 'assistant') assistants++;
	}
	return assistants > 0;
}

/** The message array of a τ-bench record, a `{messages}` document or a bare array; undefined otherwise. */
export function chatMessagesOf(doc: unknown): readonly unknown[] | undefined {
	if (isChatArray(doc)) return doc;
	if (!isRecord(doc)) return undefined;
	if (isChatArray(doc.traj)) return doc.traj;
	// Documents whose messages carry usage belong to other importers (mini-SWE-agent's extra.response).
	if (isChatArray(doc.messages) && !doc.messages.some(m => isRecord(m) && isRecord(m.extra))) return doc.messages;
	return undefined;
}

/** Imports a chat array document (detected by {@link chatMessagesOf}). */
export function importChatMessages(doc: unknown, options: ImportOptions): Transcript {
	const list = chatMessagesOf(doc);
	if (!list) throw new TranscriptImportError('badStructure', 'expected an array of chat messages with at least one assistant message', { file: options.file, format: 'openai-chat-messages' });
	const b = new TranscriptBuilder('openai-chat-messages', options);
	const head = rec(doc);
	const resolved = resolveModel(str(head.model), options);
	const countModel = modelForCounting(resolved.model);
	const counted = new CountedRun(options.counter, countModel);
	let pending: TranscriptMessage[] = [];
	list.forEach((raw, n) => {
		if (n % 512 === 0) throwIfAborted(options.signal);
		const m = fromOpenAIChatMessage(raw);
		if (m.role !== 'assistant') {
			pending.push(m);
			return;
		}
		const input = { kind: 'delta' as const, messages: pending };
		pending = [];
		const content = rec(raw).content;
		const output: CallOutput = {
			text: content === null || content === undefined ? '' : contentText(content),
			toolCalls: m.toolCalls ?? [],
			...(m.reasoning !== undefined && { reasoning: m.reasoning }),
		};
		b.addCall({
			model: resolved.model,
			modelSource: resolved.source,
			thread: 'main',
			input,
			output,
			usage: counted.call(input, output, m),
			usageSource: 'counted',
			usageExact: false,
			usageNotes: [`counted with the ${countModel} tokenizer from the recorded messages; tool definitions are not in the file`],
		});
	});
	if (b.calls.length === 0) throw new TranscriptImportError('badStructure', 'the chat has no assistant message, so no LLM call', { file: options.file, format: 'openai-chat-messages' });
	const info = rec(head.info);
	const userCost = b.recordedNumber(info.user_cost, 'info.user_cost', 'cost');
	b.warn(
		'countedUsage',
		`the file records no token usage: ${b.calls.length} calls counted with the ${countModel} tokenizer${counted.exact ? ' (exact encoding)' : ' (estimate)'} — ${counted.inputTokens} input, ${counted.outputTokens} output tokens; tool definitions are not in the file, so input is a lower bound` +
			(userCost !== undefined ? `; info.user_cost ($${userCost}) is the simulated user's cost, not the agent's, and is not included` : ''),
	);
	if (resolved.source === 'fileName') b.warn('modelGuessed', `the file records no model: "${resolved.model}" taken from the file name (pass --model to override)`);
	if (resolved.source === 'unknown') b.warn('modelUnknown', `the file records no model: tokens counted with the ${countModel} tokenizer and no price applied (pass --model)`);
	const taskId = head.task_id;
	return b.finish({
		...((typeof taskId === 'string' || typeof taskId === 'number') && { runId: `task ${taskId}${typeof head.trial === 'number' ? ` trial ${head.trial}` : ''}` }),
		...(head.traj !== undefined && { agent: 'tau-bench' }),
	});
}
