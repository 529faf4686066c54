// Entry point: checks the browser can run the machine, then mounts the Svelte app.
import './app.css';
import { MachineState } from './machine.svelte.ts';
import { checkSupport, renderUnsupported } from './support.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const support = checkSupport();
if (!support.supported) {
  renderUnsupported(target, support);
} else {
  // The machine starts first: fetching and restoring it takes longer than loading the UI, so they overlap.
  const params = new URLSearchParams(location.search);
  const machine = new MachineState({ coldBoot: params.get('boot') === 'cold' });
  void machine.boot();
  const [{ mount }, { default: App }] = await Promise.all([import('svelte'), import('./App.svelte')]);
  mount(App, { target, props: { machine } });
}
