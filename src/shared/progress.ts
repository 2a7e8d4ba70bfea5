import { SingleBar } from 'cli-progress';

export interface Progress {
  advance(count: number): void;
  stop(): void;
}

/** A progress bar on stderr, drawn only when stderr is a terminal so logs and CI output stay clean. */
export function progressBar(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total === 0) return { advance() {}, stop() {} };
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
