// AssetLoader for browsers and workers: fetch() from the guest directory's URL, reporting bytes as they arrive.
import { EngineError } from '../engine/errors.ts';
import type { AssetLoader } from './guest-assets.ts';

export function fetchAssetLoader(baseUrl: string): AssetLoader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    async load(name, onProgress, signal) {
      const url = new URL(name, new URL(base, globalThis.location?.href)).href;
      const response = await fetch(url, signal ? { signal } : {});
      if (response.status === 404) return null;
      if (!response.ok) throw new EngineError('REGISTRY_UNREACHABLE', `cannot load guest file ${name}: HTTP ${response.status}`);
      // Content-Length is the transferred size; with HTTP compression it is not the body's size, so it is only a hint.
      const total = Number(response.headers.get('content-length') ?? 0);
      if (!response.body) return new Uint8Array(await response.arrayBuffer());
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        onProgress?.(loaded, Math.max(total, loaded));
      }
      const out = new Uint8Array(loaded);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    },
  };
}

/** v86.wasm compiled while it downloads; a host that does not serve .wasm as application/wasm gets the slower way. */
export function compileWasm(url: string): Promise<WebAssembly.Module> {
  const compiled = WebAssembly.compileStreaming(fetch(url)).catch(async () => {
    const response = await fetch(url);
    if (!response.ok) throw new EngineError('REGISTRY_UNREACHABLE', `cannot load ${url}: HTTP ${response.status}`);
    return WebAssembly.compile(await response.arrayBuffer());
  });
  compiled.catch(() => undefined); // reported when a machine uses it
  return compiled;
}
