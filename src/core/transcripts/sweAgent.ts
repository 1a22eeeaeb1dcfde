/**
 * SWE-agent `.traj` (0.x and 1.x). The file records RUN TOTALS only (`info.model_stats`), so every
 * call's tokens are counted from what it was sent: the step's own `messages` when a 1.x trajectory
 * keeps them (exact prompt), otherwise the `history` up to that step. Recorded totals stay next to
 * the counted numbers; demonstrations (all-zero stats) are said to be so.
 */
import { TranscriptImportError } from './importErrors';
import { CountedRun, type ImportOptions, modelForCounting, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, isRecord, type JsonRecord, nonEmpty, rec, str } from './jsonAccess';
import { contentText, fromOpenAIChatMessage } from './messageShapes';
import type { CallInput, CallOutput, RecordedTotals, Transcript, TranscriptMessage } from './model';
import { resolveModel } from './modelResolution';
import { parsePythonLiteral } from './pythonLiteral';
import { zeroUsage } from '../pricing/usage';

export function isSweAgentTrajectory(doc: unknown): boolean {
	if (!isRecord(doc) || !Array.isArray(doc.trajectory)) return false;
	if (doc.trajectory_format !== undefined) return false;
	return Array.isArray(doc.history) || isRecord(doc.info) || doc.trajectory.some(s => isRecord(s) && ('action' in s || 'observation' in s));
}

/** A history message with SWE-agent's quirks normalized (tool_calls / tool_call_ids may be Python reprs). */
function normalizeMessage(raw: unknown): TranscriptMessage {
	const m = rec(raw);
	const fixed: Record<string, unknown> = { ...m };
	if (typeof m.tool_calls === 'string') fixed.tool_calls = parsePythonLiteral(m.tool_calls);
	let ids = m.tool_call_ids;
	if (typeof ids === 'string') ids = parsePythonLiteral(ids);
	const resultIds = arr(ids).filter((s): s is string => typeof s === 'string');
	if (typeof fixed.tool_call_id !== 'string' && resultIds.length > 0) fixed.tool_call_id = resultIds[0];
	const message = fromOpenAIChatMessage(fixed);
	return resultIds.length > 1 ? { ...message, toolCallId: resultIds[0], toolResultIds: resultIds } : message;
}

/**
 * History messages with SWE-agent's observations marked: tool messages, and user messages of type
 * `observation` once the agent has acted (the first one is the task statement, typed the same way).
 */
function withObservations(list: readonly unknown[]): { raw: JsonRecord; message: TranscriptMessage }[] {
	let acted = false;
	return list.map(h => {
		const raw = rec(h);
		const message = normalizeMessage(h);
		if (message.role === 'assistant') acted = true;
		const observation = message.role === 'user' && acted && (raw.message_type === 'observation' || raw.message_type === undefined);
		return { raw, message: observation ? { ...message, observation: true } : message };
	});
}

function replayConfig(doc: JsonRecord): JsonRecord {
	const raw = doc.replay_config;
	if (typeof raw === 'string') {
		try {
			return rec(JSON.parse(raw));
		} catch {
			return {};
		}
	}
	return rec(raw);
}

function stepOutput(step: JsonRecord, history: TranscriptMessage | undefined): CallOutput {
	if (history) return { text: contentText(rec(history).content), toolCalls: history.toolCalls ?? [] };
	const text = str(step.response) ?? str(step.thought) ?? '';
	return { text, toolCalls: [] };
}

export function importSweAgent(doc: unknown, options: ImportOptions): Transcript {
	if (!isRecord(doc) || !Array.isArray(doc.trajectory)) {
		throw new TranscriptImportError('badStructure', 'a SWE-agent trajectory needs a "trajectory" array', { file: options.file, format: 'swe-agent' });
	}
	const b = new TranscriptBuilder('swe-agent', options);
	const info = rec(doc.info);
	const stats = rec(info.model_stats);
	const model = rec(rec(replayConfig(doc).agent).model);
	const configured = nonEmpty(model.name) ?? nonEmpty(model.model_name);
	// SWE-agent's replay mode runs a ReplayModel named "replay": a demonstration, not a model with a price.
	const replayMode = configured?.toLowerCase() === 'replay';
	const resolved = resolveModel(replayMode ? undefined : configured, options);
	const countModel = modelForCounting(resolved.model);
	const counted = new CountedRun(options.counter, countModel);
	const steps = doc.trajectory.map(rec);
	const history = withObservations(arr(doc.history));
	// Calls: one per step; the history's assistant messages are the outputs of the first ones.
	const assistants: number[] = [];
	history.forEach((h, i) => {
		if (h.message.role === 'assistant' && h.raw.is_demo !== true) assistants.push(i);
	});
	const callCount = Math.max(steps.length, assistants.length);
	let cursor = 0;
	for (let k = 0; k < callCount; k++) {
		if (k % 256 === 0) throwIfAborted(options.signal);
		const step = steps[k] ?? {};
		let input: CallInput;
		let output: CallOutput;
		const stepMessages = arr(step.messages);
		const assistantAt = assistants[k];
		if (stepMessages.length > 0) {
			// 1.x keeps the exact prompt of each step (after history processors).
			input = { kind: 'full', messages: withObservations(stepMessages).map(h => h.message) };
			output = stepOutput(step, assistantAt !== undefined ? history[assistantAt]!.message : undefined);
		} else {
			const end = assistantAt ?? history.length;
			input = { kind: 'delta', messages: history.slice(cursor, end).map(h => h.message) };
			output = stepOutput(step, assistantAt !== undefined ? history[assistantAt]!.message : undefined);
			cursor = assistantAt !== undefined ? assistantAt + 1 : history.length;
		}
		const action = str(step.action);
		if (assistantAt === undefined && output.toolCalls.length === 0 && action !== undefined && action.trim() !== '') {
			// A step beyond the history (the final submit): its tool call survives only as the action.
			output = { ...output, toolCalls: [{ id: '', name: action.trim().split(/\s+/)[0]!, arguments: action }] };
		}
		const usage = counted.call(input, output, assistantAt !== undefined ? history[assistantAt]!.message : undefined);
		b.addCall({
			model: resolved.model,
			modelSource: resolved.source,
			thread: 'main',
			input,
			output,
			usage,
			usageSource: 'counted',
			usageExact: false,
			usageNotes: [
				input.kind === 'full'
					? `counted with the ${countModel} tokenizer from the prompt recorded for this step; tool definitions are not in the file`
					: `counted with the ${countModel} tokenizer from the history up to this step (history processors may have shortened what was really sent); tool definitions are not in the file`,
			],
		});
	}
	const sent = b.recordedNumber(stats.tokens_sent, 'info.model_stats.tokens_sent', 'tokens') ?? 0;
	const received = b.recordedNumber(stats.tokens_received, 'info.model_stats.tokens_received', 'tokens') ?? 0;
	const apiCalls = b.recordedNumber(stats.api_calls, 'info.model_stats.api_calls', 'tokens');
	const cost = b.recordedNumber(stats.instance_cost, 'info.model_stats.instance_cost', 'cost') ?? b.recordedNumber(stats.total_cost, 'info.model_stats.total_cost', 'cost');
	// No tokens and no cost: nothing was billed, whatever api_calls says (replay mode counts its replayed steps).
	const zero = sent === 0 && received === 0 && (cost ?? 0) === 0;
	const demonstration = zero || replayMode;
	let recordedTotals: RecordedTotals | undefined;
	const how = `${callCount} calls counted with the ${countModel} tokenizer${counted.exact ? '' : ' (estimate)'} — ${counted.inputTokens} input / ${counted.outputTokens} output tokens; tool definitions are not in the file`;
	if (demonstration) {
		const why = replayMode
			? 'its model is "replay" (SWE-agent replay mode)'
			: apiCalls !== undefined && apiCalls > 0
				? `info.model_stats record no tokens and no cost (api_calls ${apiCalls} counts replayed steps)`
				: 'info.model_stats are all zero';
		b.warn('zeroStats', `${why}: this trajectory is a demonstration/replay, no API calls were billed`);
		b.warn('countedUsage', `no usage recorded: ${how} (what the steps would send)`);
	} else if (isRecord(info.model_stats)) {
		recordedTotals = {
			source: 'info.model_stats',
			...(apiCalls !== undefined && { calls: apiCalls }),
			usage: { ...zeroUsage, input: sent, output: received },
			fields: ['input', 'output'],
			...(cost !== undefined && { costUsd: cost }),
		};
		const diffIn = counted.inputTokens - sent;
		b.warn(
			'countedUsage',
			`SWE-agent records run totals only: ${callCount} calls re-counted with the ${countModel} tokenizer${counted.exact ? '' : ' (estimate)'} — ${counted.inputTokens} input / ${counted.outputTokens} output tokens vs recorded tokens_sent ${sent} / tokens_received ${received} (input ${diffIn >= 0 ? '+' : ''}${diffIn}, ${sent > 0 ? ((diffIn / sent) * 100).toFixed(1) : '—'}%: history processors and tool definitions change what was really sent)`,
		);
		if (apiCalls !== undefined && apiCalls !== callCount)
			b.warn('totalsMismatch', `model_stats.api_calls is ${apiCalls} but the trajectory has ${callCount} steps (requeries after format errors are not in the trajectory)`);
	} else {
		b.warn('countedUsage', `the trajectory records no usage (no info.model_stats): ${how}`);
	}
	if (resolved.source === 'fileName') b.warn('modelGuessed', `the file records no model: "${resolved.model}" taken from the file name (pass --model to override)`);
	if (resolved.source === 'unknown') {
		const recorded = replayMode ? 'the replay names no real model ("replay")' : 'the file records no model (no replay_config)';
		b.warn('modelUnknown', `${recorded}: tokens counted with the ${countModel} tokenizer and no price applied (pass --model to see what the steps would cost)`);
	}
	return b.finish({ agent: 'swe-agent', ...(recordedTotals !== undefined && { recordedTotals }), ...(demonstration && { demonstration }) });
}
