// Entry point: checks the browser can run the machine, then mounts the Svelte app.
import './app.css';
import { checkSupport, renderUnsupported } from './support.ts';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const support = checkSupport();
if (!support.supported) {
  renderUnsupported(target, support);
} else {
  // Svelte and the app load only once we know the browser can use them.
  const [{ mount }, { default: App }] = await Promise.all([import('svelte'), import('./App.svelte')]);
  mount(App, { target });
}
