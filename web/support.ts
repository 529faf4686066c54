// Feature check before anything heavy loads: drydock needs WebAssembly, module workers and message ports.

export interface SupportReport {
  supported: boolean;
  missing: string[];
}

export function checkSupport(scope: typeof globalThis = globalThis): SupportReport {
  const missing: string[] = [];
  // Some browsers expose WebAssembly but refuse to compile (jitless mode, enterprise policy), so compile a tiny module.
  if (typeof scope.WebAssembly !== 'object' || !canCompileWasm(scope.WebAssembly)) missing.push('WebAssembly');
  if (typeof scope.Worker !== 'function') missing.push('Web Workers');
  if (typeof scope.MessageChannel !== 'function') missing.push('MessageChannel');
  return { supported: missing.length === 0, missing };
}

function canCompileWasm(wasm: typeof WebAssembly): boolean {
  try {
    // The smallest valid module: magic "\0asm" and version 1.
    return wasm.validate(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  } catch {
    return false;
  }
}

/** A plain static page, built without Svelte so it shows even when the rest of the app cannot run. */
export function renderUnsupported(target: HTMLElement, report: SupportReport): void {
  const main = document.createElement('main');
  main.className = 'unsupported';
  const title = document.createElement('h1');
  title.textContent = 'This browser cannot run drydock';
  const why = document.createElement('p');
  why.textContent =
    'drydock boots a real Linux machine inside the page. It needs a browser with ' +
    `${report.missing.join(', ')}, which this one does not provide (or has turned off).`;
  const what = document.createElement('p');
  what.textContent =
    'Try a current version of Firefox, Chrome, Edge or Safari, with JavaScript and WebAssembly enabled.';
  main.append(title, why, what);
  target.replaceChildren(main);
}
