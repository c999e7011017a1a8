/** One log capture for every test folder: a trace-level logger whose lines the test can read back. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/core/logger.ts';

export interface CapturedLogs {
  logger: Logger;
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

/** A trace-level logger whose every line lands in `text()` (and parsed in `lines()`). */
export function captureLogs(): CapturedLogs {
  let text = '';
  const logger = createLogger({
    level: 'trace',
    destination: new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }),
  });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
