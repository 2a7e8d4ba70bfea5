import { SingleBar } from 'cli-progress';

export interface Progress {
  advance(count: number): void;
  stop(): void;
}

/** How often a progress line is printed when stderr is not a terminal (a CI log). */
const LOG_EVERY_MS = 10_000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  return whole < 60
    ? `${whole} s`
    : whole < 3600
      ? `${Math.floor(whole / 60)} min ${whole % 60} s`
      : `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/**
 * Progress of a long step on stderr: a bar on a terminal; in a log (CI), a
 * line about every ten seconds with done/total, rate and time left, so a long
 * stage never looks hung. Nothing for an empty step.
 */
export function progressBar(label: string, total: number, unit = 'items'): Progress {
  if (total === 0) return { advance() {}, stop() {} };
  if (!process.stderr.isTTY) {
    const started = performance.now();
    let done = 0;
    let logged = started;
    return {
      advance(count) {
        done += count;
        const now = performance.now();
        if (now - logged < LOG_EVERY_MS || done >= total) return;
        logged = now;
        const rate = done / ((now - started) / 1000);
        notice(
          `${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${((100 * done) / total).toFixed(1)}%), ${rate.toFixed(1)} ${unit}/s, ${duration((total - done) / rate)} left`,
        );
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% {value}/{total} | {eta_formatted} left`,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0);
  return {
    advance: (count) => bar.increment(count),
    stop: () => bar.stop(),
  };
}

/** One line of progress or notice on stderr; stdout is kept for results. */
export function notice(message: string): void {
  process.stderr.write(`papermap: ${message}\n`);
}
