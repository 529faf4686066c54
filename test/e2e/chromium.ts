// How drydock launches a browser, for the e2e tests and the Chromium benchmark alike: Debian's chromium
// (Playwright cannot download its own browsers here), headless as root, with background networking off
// because this machine's closed network refuses those connections.
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
