// Entry point: checks the browser can run the machine, then mounts the Svelte app; `#/workshop` is the trainer's
// page instead (progress files in, a table out: no machine).
import './app.css';
import { MachineState } from './machine.svelte.ts';
import { checkSupport, renderUnsupported } from './support.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const isWorkshop = () => location.hash.startsWith('#/workshop');
const workshop = isWorkshop();
// The two pages share index.html; going from one to the other by the hash loads the other afresh.
addEventListener('hashchange', () => {
  if (isWorkshop() !== workshop) location.reload();
});

const support = checkSupport();
if (workshop) {
  const [{ mount }, { default: Workshop }] = await Promise.all([import('svelte'), import('./workshop/Workshop.svelte')]);
  mount(Workshop, { target });
} else if (!support.supported) {
  renderUnsupported(target, support);
} else {
  // The machine starts first: fetching and restoring it takes longer than loading the UI, so they overlap.
  const params = new URLSearchParams(location.search);
  const machine = new MachineState({ coldBoot: params.get('boot') === 'cold' });
  void machine.boot();
  const [{ mount }, { default: App }] = await Promise.all([import('svelte'), import('./App.svelte')]);
  mount(App, { target, props: { machine } });
}
