// Agent sessions inside a REAL VS Code extension host: a Claude Code session file of this workspace,
// in a temporary agent folder the test profile's settings point at (agentCost.sessions.claudeDirs,
// user settings of this run's private profile), grows as a test appends lines like a running agent
// does; the status item must follow it, and the Agent Sessions view must list the session.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentCostApi } from '../../src/extension/api';
import { claudeProjectFolder } from '../../src/node/sessions/currentSession';
import { repoRoot } from '../support/paths';
import { waitFor } from '../support/waitFor';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string; publisher: string };
const extensionId = `${manifest.publisher}.${manifest.name}`;

function line(n: number, input: number, output: number): string {
	return (
		JSON.stringify({
			parentUuid: null,
			isSidechain: false,
			sessionId: 'integration-live-session',
			cwd: vscode.workspace.workspaceFolders![0].uri.fsPath,
			type: 'assistant',
			uuid: `line-${n}`,
			requestId: `req_integration_${n}`,
			timestamp: new Date().toISOString(),
			message: {
				id: `msg_integration_${n}`,
				model: 'claude-opus-4-6',
				role: 'assistant',
				content: [{ type: 'text', text: `answer ${n}` }],
				stop_reason: 'end_turn',
				usage: { input_tokens: input, output_tokens: output },
			},
		}) + '\n'
	);
}

describe('agent sessions (real VS Code extension host)', function () {
	this.timeout(60_000);
	let api: AgentCostApi;
	let dir: string;

	before(async () => {
		api = await vscode.extensions.getExtension<AgentCostApi>(extensionId)!.activate();
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-sessions-'));
	});

	after(async () => {
		await vscode.workspace.getConfiguration('agentCost').update('sessions.claudeDirs', undefined, vscode.ConfigurationTarget.Global);
		rmSync(dir, { recursive: true, force: true });
	});

	it('the status item follows the running session of this workspace as the agent appends to it', async () => {
		const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
		const project = join(dir, 'claude', 'projects', claudeProjectFolder(workspace));
		mkdirSync(project, { recursive: true });
		const file = join(project, 'integration-live-session.jsonl');
		writeFileSync(file, line(1, 12_000, 300));
		await vscode.workspace.getConfiguration('agentCost').update('sessions.claudeDirs', [join(dir, 'claude')], vscode.ConfigurationTarget.Global);

		const first = await waitFor('the status item to show the session', () => (api.sessions.status.text.includes('Claude Code') ? api.sessions.status : undefined), 20_000);
		assert.match(first.text, /^\$\(hubot\) Claude Code \$\d/);
		assert.match(first.tooltip, /Claude Code session running in this workspace/);
		assert.match(first.tooltip, /1 call ·/);
		const live1 = api.sessions.live;
		assert.ok(live1.kind === 'session' && live1.tail.calls === 1 && live1.tail.usage.input === 12_000);

		// The agent writes two more calls, the second one in two pieces (a line cut mid-write first).
		appendFileSync(file, line(2, 20_000, 400));
		const third = line(3, 30_000, 500);
		appendFileSync(file, third.slice(0, 50));
		await waitFor('the second call in the status item', () => api.sessions.status.tooltip.includes('2 calls ·'), 15_000);
		appendFileSync(file, third.slice(50));
		await waitFor('the third call in the status item', () => api.sessions.status.tooltip.includes('3 calls ·'), 15_000);
		const live3 = api.sessions.live;
		assert.ok(live3.kind === 'session');
		assert.deepEqual([live3.tail.usage.input, live3.tail.usage.output], [62_000, 1_200]);
		assert.notEqual(api.sessions.status.text, first.text, 'the cost and tokens shown grew');
	});

	it('the Agent Sessions view lists the session under today with its cost, and opens its report', async () => {
		const snapshot = await api.sessions.refresh();
		assert.ok(snapshot, 'the scan finished');
		const session = snapshot.sessions.find(s => s.sessionId === 'integration-live-session');
		assert.ok(session, JSON.stringify(snapshot.sessions.map(s => s.sessionId)));
		assert.equal(session.calls, 3);
		assert.equal(session.lastDay, snapshot.today);
		assert.ok(session.costUsd !== null && session.costUsd > 0);
		assert.ok(snapshot.totals.today.calls >= 3);
		const result = await vscode.commands.executeCommand<{ status: string; file: string | null }>('agentCost.sessions.openReport', { session });
		assert.equal(result?.status, 'open');
		assert.ok(result?.file?.endsWith('integration-live-session.jsonl'));
		await vscode.commands.executeCommand('workbench.action.closeAllEditors');
	});
});
