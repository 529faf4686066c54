// Small programs put into the machine at start for commands learners try that the guest does not have
// (`apt-get install nano`, `vim file`): a sentence saying what to use here instead, exit 127 like a missing command.
// The guest image cannot change from the app; its /usr/bin is in memory, so these are written at every start.

/** command -> what to say (one or two short lines). */
export const GUEST_STUBS: Record<string, string> = {
  'apt-get':
    'apt-get: this machine cannot install packages (no package archive is reachable from it); its tools are busybox (busybox --list).\nImages bring their own tools: docker run -it --rm debian bash, python, node...',
  apt: 'apt: this machine cannot install packages (no package archive is reachable from it); its tools are busybox (busybox --list).\nImages bring their own tools: docker run -it --rm debian bash, python, node...',
  nano: 'nano is not on this machine. Edit files in the editor pane (its Editor button opens it): its project is /root/app.\nIn the terminal, busybox vi works: vi FILE, then i to type, Esc and :wq to save and quit.',
  vim: 'vim is not on this machine. Edit files in the editor pane (its Editor button opens it): its project is /root/app.\nIn the terminal, busybox vi works: vi FILE, then i to type, Esc and :wq to save and quit.',
};

/** A shell script that writes each stub into `dir` unless a program of that name is already there. */
export function guestStubsScript(dir = '/usr/bin'): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return Object.entries(GUEST_STUBS)
    .map(([name, message]) => {
      const path = `${dir}/${name}`;
      const body = `#!/bin/sh\ncat >&2 <<'EOF'\n${message}\nEOF\nexit 127\n`;
      return `[ -e ${quote(path)} ] || { printf '%s' ${quote(body)} > ${quote(path)} && chmod 755 ${quote(path)}; }`;
    })
    .join('\n');
}
