/** The coding agents whose session logs the product finds and totals. */
export type AgentId = 'claude' | 'codex' | 'gemini' | 'pi';

/** Every agent, in the order reports list them. */
export const agentIds: readonly AgentId[] = ['claude', 'codex', 'gemini', 'pi'];

/** How each agent is called in the UI. */
export const agentLabels: Readonly<Record<AgentId, string>> = { claude: 'Claude Code', codex: 'Codex CLI', gemini: 'Gemini CLI', pi: 'pi' };

export function isAgentId(v: unknown): v is AgentId {
	return typeof v === 'string' && (agentIds as readonly string[]).includes(v);
}
