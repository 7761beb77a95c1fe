import cliProgress from 'cli-progress';

/**
 * Progress for long work, on stderr: a bar with percentage and time left on a terminal; on a
 * pipe or in CI, a plain line at most every `logEverySeconds` (and at the end), so logs stay short.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  log(message: string): void;
  stop(): void;
}

export function createProgress(label: string, total: number, options: { logEverySeconds?: number } = {}): Progress {
  const started = Date.now();
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | elapsed {duration_formatted} | left {eta_formatted} | {detail}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: '' });
    return {
      update: (done, detail) => bar.update(done, { detail: detail ?? '' }),
      log: (message) => {
        // cli-progress redraws on the next update; a newline keeps the message above the bar.
        process.stderr.write(`\r\x1b[2K${message}\n`);
      },
      stop: () => bar.stop(),
    };
  }
  const every = (options.logEverySeconds ?? 10) * 1000;
  let lastLog = 0;
  let last = 0;
  return {
    update(done, detail) {
      last = done;
      const now = Date.now();
      if (now - lastLog < every && done < total) return;
      lastLog = now;
      const elapsed = (now - started) / 1000;
      const left = done > 0 ? (elapsed * (total - done)) / done : Number.NaN;
      process.stderr.write(
        `${label}: ${done}/${total} (${((100 * done) / total).toFixed(0)}%), elapsed ${formatDuration(elapsed)}, ` +
          `left ${formatDuration(left)}${detail ? ` | ${detail}` : ''}\n`,
      );
    },
    log: (message) => process.stderr.write(`${message}\n`),
    stop() {
      if (last < total) process.stderr.write(`${label}: stopped at ${last}/${total}\n`);
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
