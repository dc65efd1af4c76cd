/**
 * Issue 14 item 6 — progress of long CLI jobs on a terminal: one line on stderr, rewritten in
 * place. Silent when stderr is not a TTY (cron, pipes, CI) or the command prints `--json`, so
 * their output stays exactly what it was. Dependency-free: command modules may import it.
 */
export interface Progress {
  /** Replaces the progress line. */
  update(text: string): void;
  /** Clears the line; the command's own output follows. */
  done(): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function createProgress(
  options: { json?: boolean },
  stream: ProgressStream = process.stderr,
): Progress {
  if (options.json || !stream.isTTY) return { update: () => {}, done: () => {} };
  let shown = false;
  return {
    update(text) {
      stream.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
