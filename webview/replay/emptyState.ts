// What the panel says when no transcript is open: every format the importer detects (the Record
// type makes a new format fail to compile until it is listed here) and where such a file is found.
import type { TranscriptFormat } from '../../src/core/transcripts/model';

export interface OpenableFormat {
	readonly label: string;
	/** Where a user finds such a file. */
	readonly where: string;
}

export const openableFormats: Readonly<Record<TranscriptFormat, OpenableFormat>> = {
	'claude-code': { label: 'Claude Code session', where: '~/.claude/projects/<project>/<session>.jsonl' },
	'mini-swe-agent': { label: 'mini-SWE-agent trajectory', where: '*.traj.json' },
	'swe-agent': { label: 'SWE-agent trajectory', where: '*.traj' },
	'openhands-trajectory': { label: 'OpenHands trajectory', where: 'a saved trajectory .json' },
	'openhands-eval': { label: 'OpenHands evaluation record', where: 'a line of an evaluation output.jsonl' },
	'inspect-ai': { label: 'Inspect AI eval log', where: 'logs/*.json' },
	aider: { label: 'aider chat history', where: '.aider.chat.history.md' },
	'openai-chat-messages': { label: 'OpenAI chat messages (e.g. τ-bench)', where: 'a .json array of messages' },
	'http-recording': { label: 'OpenAI / Anthropic request–response recording', where: '.json or .jsonl of API calls' },
	'codex-rollout': { label: 'Codex CLI session', where: '~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl' },
	'gemini-cli': { label: 'Gemini CLI session', where: '~/.gemini/tmp/<project>/chats/session-*.json(l)' },
	'pi-session': { label: 'pi coding agent session', where: '~/.pi/agent/sessions/<project>/*.jsonl' },
	'agent-cost-recording': { label: 'Agent Cost Lens recording of Run Prompt File calls and gateway runs', where: '.agent-cost/recordings/*.agent-cost.jsonl' },
};
