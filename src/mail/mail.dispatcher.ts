import type { MailService } from './mail.service.js';
import type { MailTransport } from './mail.transport.js';

export interface MailDispatcherOptions {
  mail: MailService;
  transport: MailTransport;
  /** How often the outbox is looked at. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Issue 10 item 2 — sends the mail outbox from inside the server process, after commit: one pass
 * every `intervalMs`, never two passes at once, stopped cleanly with the server.
 */
export class MailDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly options: MailDispatcherOptions) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.options.mail
        .sendDue(this.options.transport)
        .catch((error) => this.options.onError?.(error))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs ?? 2_000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.options.transport.close();
  }
}
