// The replay panel's tab title names its transcript, so two panels or a panel among editors read
// at a glance. No `vscode` import: unit-tested in plain Node.
import type { TranscriptState } from '../../protocol/replay';

/** The title before any transcript is open. */
export const emptyReplayTitle = 'Agent Cost: Replay';

/** `Replay: <file name>` once a transcript is opening, open or failed; the plain title before. */
export function replayPanelTitle(t: TranscriptState): string {
	if (t.status === 'none') return emptyReplayTitle;
	const name = t.file.split(/[\\/]/).pop() || t.file;
	return `Replay: ${name}`;
}
