import '@vscode-elements/elements/dist/vscode-button/index.js';
import { GetEngineInfoRequest, PanelPingNotification, PanelPongCommand } from '../../src/protocol/engineInfo';
import { HostIpc } from '../shared/hostIpc';
import './replay.css';

const ipc = new HostIpc();
const app = document.getElementById('app')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
	// Transcript content is untrusted: only ever set as text.
	if (text !== undefined) node.textContent = text;
	return node;
}

const header = el('header');
header.append(el('h1', {}, 'Agent Cost Lens'));
const infoButton = el('vscode-button' as 'button', { id: 'engine-info-btn' }, 'Engine info');
const infoOut = el('pre', { id: 'engine-info', 'aria-live': 'polite' });
header.append(infoButton, infoOut);
app.append(header);

infoButton.addEventListener('click', async () => {
	infoOut.textContent = 'Asking the extension host…';
	try {
		const info = await ipc.request(GetEngineInfoRequest, undefined);
		infoOut.textContent = `Agent Cost Lens ${info.extensionVersion} on ${info.host} · encodings: ${info.encodings.join(', ')} · prices: ${info.priceSource}`;
	} catch (e) {
		infoOut.textContent = `Error: ${e instanceof Error ? e.message : String(e)}`;
	}
});

// Health check: answer from what is really on the page, so a blank or half-loaded panel fails it.
ipc.on(PanelPingNotification, ({ nonce }) => {
	ipc.command(PanelPongCommand, {
		nonce,
		panel: 'replay',
		elementsDefined: customElements.get('vscode-button') !== undefined,
		controls: [...document.querySelectorAll('[id]')].map(node => node.id).filter(id => id !== 'app' && id !== 'bootstrap'),
	});
});

ipc.ready('replay');
