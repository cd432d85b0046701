import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on stderr, only when a person is watching (stderr is a terminal) and the total is known. */
export function progressBar(label: string, total: number | undefined): SingleBar | undefined {
  if (!process.stderr.isTTY || total === undefined || total === 0) return undefined;
  const bar = new SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}
