import { isRecord, type JsonRecord } from '../transcripts/jsonAccess';

/**
 * Parses the lines a session scanner needs, counting the ones that are not JSON objects. A bad last
 * line without a newline is the agent writing the file right now: reported as such, not as damage.
 */
export class LineParser {
	private bad = 0;
	private cutOff = false;

	parse(text: string, terminated: boolean): JsonRecord | undefined {
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			if (terminated) this.bad++;
			else if (text.trim() !== '') this.cutOff = true;
			return undefined;
		}
		if (isRecord(value)) return value;
		if (terminated) this.bad++;
		return undefined;
	}

	warnings(): string[] {
		const out: string[] = [];
		if (this.bad > 0) out.push(`${this.bad} damaged line(s) skipped`);
		if (this.cutOff) out.push('the last line is incomplete (the agent is probably still writing the file); the complete lines are counted');
		return out;
	}
}
