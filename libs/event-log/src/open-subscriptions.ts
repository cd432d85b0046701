import type { Subscription } from './port';

/** The subscriptions a log handed out and that are still running, so closing the log stops them first. */
export class OpenSubscriptions {
  private readonly open = new Set<Subscription>();

  track(subscription: Subscription): Subscription {
    const tracked: Subscription = {
      failure: () => subscription.failure?.(),
      stop: async () => {
        this.open.delete(tracked);
        await subscription.stop();
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.open].map((s) => s.stop()));
  }
}
