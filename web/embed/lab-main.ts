// Entry point of lab.html, the page a docs site's <drydock-lab> frames: one machine and its terminal, nothing more.
import '../app.css';
import { MachineState } from '../machine.svelte.ts';
import { checkSupport, renderUnsupported } from '../support.ts';
import { parseLabConfig } from './lab-config.ts';

const target = document.getElementById('lab');
if (!target) throw new Error('lab.html has no #lab element');

const support = checkSupport();
const config = parseLabConfig(location.hash);
if (!support.supported) {
  renderUnsupported(target, support);
} else if (!config.ok) {
  // The embedding page wrote a bad config: say so in the frame, as text, and start nothing.
  const message = document.createElement('p');
  message.className = 'lab-config-error';
  message.setAttribute('role', 'alert');
  message.textContent = `This example cannot start: ${config.error}`;
  target.append(message);
} else {
  // The frame exists because the learner clicked Start: the machine starts before the UI loads, as in the app.
  const machine = new MachineState();
  void machine.boot();
  const [{ mount }, { default: EmbedLab }] = await Promise.all([import('svelte'), import('./EmbedLab.svelte')]);
  mount(EmbedLab, { target, props: { machine, config: config.value } });
}
