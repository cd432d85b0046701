import type { EventLog, LogMessage, RecordPosition } from './port';

export type AppendListener = (topic: string, positions: readonly RecordPosition[]) => void;

/**
 * Tells readers in this process where its appends landed, the moment they are acknowledged, so a
 * reader waiting for a partition to grow (a long poll for a decision) need not poll for what this
 * process wrote itself. Appends by other processes still have to be polled for.
 */
export class AppendSignal {
  private readonly listeners = new Set<AppendListener>();

  /** Calls `listener` after every signalled append; returns what stops it. */
  listen(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(topic: string, positions: readonly RecordPosition[]): void {
    if (positions.length === 0) return;
    for (const listener of this.listeners) listener(topic, positions);
  }
}

/** The log whose appends are announced on `signal` once acknowledged; everything else is the log's own. */
export function signallingLog(log: EventLog, signal: AppendSignal): EventLog {
  const append = async (topic: string, messages: LogMessage[]): Promise<RecordPosition[]> => {
    const positions = await log.append(topic, messages);
    signal.emit(topic, positions);
    return positions;
  };
  return new Proxy(log, {
    get(target, property) {
      if (property === 'append') return append;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
