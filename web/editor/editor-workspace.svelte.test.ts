// Unit tests for the editor workspace: linking a started machine (share filled, /root/app symlinked), syncNow, Build.
import { describe, expect, it } from 'vitest';
import type { ExecResult } from '../../emulator/protocol.ts';
import { EditorWorkspace } from './editor-workspace.svelte.ts';
import { FakeShare } from './fake-share.ts';
import { Project } from './project.svelte.ts';

function fakeMachine(exitCode = 0) {
  const share = new FakeShare();
  const execs: string[][] = [];
  return {
    share,
    execs,
    async exec(argv: string[]): Promise<ExecResult> {
      execs.push(argv);
      return { exitCode, stdout: new Uint8Array(), stderr: new TextEncoder().encode(exitCode ? 'ln: denied' : '') };
    },
  };
}

async function workspace() {
  const project = new Project({ example: { Dockerfile: 'FROM node\n' } });
  await project.loaded;
  const typed: string[] = [];
  const settings = new Map<string, string>();
  const ws = new EditorWorkspace(project, {
    typeInTerminal: (t) => typed.push(t),
    settings: { getItem: (k) => settings.get(k) ?? null, setItem: (k, v) => void settings.set(k, v) },
  });
  return { project, ws, typed, settings };
}

describe('EditorWorkspace', () => {
  it('fills the share and links /root/app when a machine starts, then syncNow carries later edits', async () => {
    const { project, ws } = await workspace();
    const machine = fakeMachine();
    const detach = ws.attach(machine);
    await ws.syncNow();
    expect(ws.syncStatus).toBe('synced');
    expect(machine.share.text('work/Dockerfile')).toBe('FROM node\n');
    expect(machine.execs).toEqual([['/bin/sh', '-c', 'rm -rf /root/app && ln -s /mnt/host/work /root/app']]);

    project.write('app.py', 'print(1)\n');
    await ws.syncNow();
    expect(machine.share.text('work/app.py')).toBe('print(1)\n');
    detach();
    expect(ws.syncStatus).toBeNull();
    await expect(ws.syncNow()).rejects.toThrow('not linked');
  });

  it('reports a failed link instead of pretending to be synced', async () => {
    const { ws } = await workspace();
    ws.attach(fakeMachine(1));
    await expect(ws.syncNow()).rejects.toThrow('ln: denied');
    expect(ws.syncStatus).toBe('failed');
    expect(ws.syncError).toContain('could not link /root/app');
  });

  it('Build flushes the project, then types the command after clearing the half-typed line', async () => {
    const { project, ws, typed } = await workspace();
    const machine = fakeMachine();
    ws.attach(machine);
    await ws.syncNow();
    project.write('Dockerfile', 'FROM busybox\n');
    await ws.build();
    expect(machine.share.text('work/Dockerfile')).toBe('FROM busybox\n');
    expect(typed).toEqual(['\x15cd /root/app && docker build -t app .\r']);
    // A lesson sets the tag its checks look for.
    ws.buildTag = 'helloworld:0.1';
    await ws.build();
    expect(typed.at(-1)).toBe('\x15cd /root/app && docker build -t helloworld:0.1 .\r');
  });

  it('remembers visibility', async () => {
    const { project, ws, settings } = await workspace();
    ws.setVisible(true);
    const again = new EditorWorkspace(project, {
      typeInTerminal: () => undefined,
      settings: { getItem: (k) => settings.get(k) ?? null, setItem: () => undefined },
    });
    expect(again.visible).toBe(true);
  });
});
