// Prints a pull/push progress stream (newline-delimited JSON messages) as the docker CLI's jsonmessage does:
// one line per message without a tty; with a tty one line per layer, redrawn in place with ANSI cursor moves.
import { jsonProgressText } from '../images/pull-progress.ts';
import { StreamError } from './engine-client.ts';

interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  errorDetail?: { message?: string };
  error?: string;
  aux?: unknown;
}

export interface MessageSink {
  write(text: string): void;
  /** terminal width when stdout is a tty */
  columns?: number;
}

export async function displayJsonMessages(body: ReadableStream<Uint8Array>, out: MessageSink, onAux?: (aux: unknown) => void): Promise<void> {
  const tty = out.columns !== undefined;
  const lines = new Map<string, number>();
  const decoder = new TextDecoder();
  let buffered = '';
  const handle = (line: string) => {
    if (!line.trim()) return;
    const m = JSON.parse(line) as JsonMessage;
    if (m.error || m.errorDetail) throw new StreamError(m.errorDetail?.message ?? m.error ?? 'unknown error');
    if (m.aux !== undefined) {
      onAux?.(m.aux);
      return;
    }
    let diff = 0;
    // Layer lines are those with progress (dockerd sends `progressDetail: {}` even without numbers).
    if (m.id !== undefined && m.progressDetail !== undefined) {
      let index = lines.get(m.id);
      if (index === undefined) {
        index = lines.size;
        lines.set(m.id, index);
        if (tty) out.write('\n');
      }
      diff = lines.size - index;
      if (tty) out.write(`\x1b[${diff}A`);
    } else {
      lines.clear();
    }
    display(m, out, tty);
    if (m.id !== undefined && tty && diff > 0) out.write(`\x1b[${diff}B`);
  };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  handle(buffered);
}

function display(m: JsonMessage, out: MessageSink, tty: boolean): void {
  const progress = progressText(m, out.columns);
  let end = '\n';
  if (tty && m.progressDetail !== undefined) {
    out.write('\x1b[2K\r');
    end = '\r';
  } else if (progress) {
    // without a terminal, progress bars are left out
    return;
  }
  const id = m.id !== undefined ? `${m.id}: ` : '';
  if (m.stream !== undefined) out.write(`${m.stream}`);
  else if (tty && m.progressDetail !== undefined) out.write(`${id}${m.status ?? ''} ${progress}${end}`);
  else out.write(`${id}${m.status ?? ''}${end}`);
}

/** The progress part of a layer line; the bar only on terminals wider than 110 columns, as docker does. */
function progressText(m: JsonMessage, columns: number | undefined): string {
  const d = m.progressDetail;
  return jsonProgressText(d?.current ?? 0, d?.total ?? 0, (columns ?? 0) > 110);
}
