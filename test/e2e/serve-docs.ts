// A docs site for the <drydock-lab> tests and bench: fixed pages from memory, on its own port (another origin).
import { createServer } from 'node:http';

export interface DocsSite {
  /** the port it listens on (the one asked for, or the system's pick for 0) */
  port: number;
  close(): Promise<void>;
}

/** Serves `pages` (path -> HTML, or a function of the site's port) on 127.0.0.1:`port`; any other path is a 404. */
export async function serveDocs(port: number, pages: Record<string, string | ((port: number) => string)>): Promise<DocsSite> {
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://x').pathname];
    if (page === undefined) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
    else res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(typeof page === 'string' ? page : page(listening));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the docs server has no TCP address');
  const listening = address.port;
  return {
    port: listening,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
