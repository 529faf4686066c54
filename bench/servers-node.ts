// Server images in Node: `docker run -d nginx` / `redis` typed in a real guest, timed in the guest from the
// command to the first answer (the welcome page over HTTP, +PONG over the Redis protocol), then `docker stop`.
// Containers have only their own loopback today, so the client steps into the container's network with nsenter.
import { startEngineInGuest } from '../emulator/node-backends/engine-in-guest.ts';
import { timedInGuestOk } from '../emulator/node-backends/guest-timed.ts';
import { median, type Figures } from './figures.ts';

/** Unmeasured `docker run --rm busybox true` runs first: v86 compiles the guest's hot paths (see containers-node). */
const WARM_UP_RUNS = 5;

interface Server {
  image: string;
  /** a guest command that succeeds once the server in container NAME answers (P is its PID) */
  answers: string;
  figure: string;
}

const SERVERS: Server[] = [
  { image: 'nginx', answers: 'nsenter -t "$P" -n wget -qO /dev/null http://127.0.0.1/ 2>/dev/null', figure: 'nginx_first_page' },
  {
    image: 'redis',
    answers: `[ "$(printf 'PING\\r\\n' | nsenter -t "$P" -n nc -w 1 127.0.0.1 6379 2>/dev/null | tr -d '\\r')" = +PONG ]`,
    figure: 'redis_first_pong',
  },
];

export async function benchServersNode(options: { runs?: number; log?: (line: string) => void } = {}): Promise<Figures> {
  const runs = options.runs ?? 3;
  const log = options.log ?? (() => undefined);
  const machine = await startEngineInGuest();
  const timed = (script: string) => timedInGuestOk(machine.emulator, script, { timeoutMs: 300_000 });
  try {
    for (const image of ['busybox', ...SERVERS.map((s) => s.image)]) await timed(`docker pull -q ${image} >/dev/null`);
    for (let i = 0; i < WARM_UP_RUNS; i++) await timed('docker run --rm busybox true >/dev/null');
    const figures: Figures = {};
    for (const server of SERVERS) {
      const starts: number[] = [];
      const stops: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Bounded poll (a server tells it is ready only by answering): 50 ms apart, at most 2 minutes' worth.
        starts.push(
          await timed(
            `docker run -d --name bench-server ${server.image} >/dev/null && P=$(docker inspect -f '{{.State.Pid}}' bench-server) &&\n` +
              `i=0; until ${server.answers}; do i=$((i+1)); [ $i -lt 2400 ] || exit 3; sleep 0.05; done`,
          ),
        );
        stops.push(await timed('docker stop bench-server >/dev/null && [ "$(docker inspect -f "{{.State.ExitCode}}" bench-server)" = 0 ]'));
        await timed('docker rm bench-server >/dev/null');
      }
      log(`servers-node: docker run -d ${server.image} to its first answer: ${starts.join(', ')} ms; docker stop: ${stops.join(', ')} ms`);
      figures[`${server.figure}_ms_guest`] = median(starts);
      figures[`${server.image}_stop_ms_guest`] = median(stops);
    }
    return figures;
  } finally {
    await machine.stop();
  }
}
