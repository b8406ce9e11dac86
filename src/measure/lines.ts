/**
 * A child's output read line by line as it comes, drained whether or not
 * anyone waits (a service that prints a lot must not stall on a full pipe),
 * with what is kept bounded: the artifact decides how much it prints.
 */
/** the artifact's lines: a ready line or a complaint is short */
const MAX_LINE = 64 * 1024;
const MAX_QUEUED = 1000;
const MAX_SHOWN = 300;
const TAIL = 20;
/** `error` as a word or ending a class name (`ZodError`), not in a stack frame (`at throwError (…)`) */
const namesError = (line: string) => /error\b/i.test(line) && !/^at\s/.test(line);

export interface LineReader {
  /** the next line not yet taken; undefined once the stream has ended */
  next(): Promise<string | undefined>;
  /** the first line not yet taken that matches; undefined once the stream has ended */
  until(match: (line: string) => boolean): Promise<string | undefined>;
  /** the last line with something on it, cut short */
  last(): string | undefined;
  /**
   * The line that best says what went wrong, for a one-line problem: the
   * last that names an error (`error: …`, `TypeError: …`, `ZodError: [`; a
   * runtime prints its stack and its own banner after the message, and a
   * library's message can be dozens of lines of JSON), else the last.
   */
  complaint(): string | undefined;
}

/** `maxLine`: longer lines are cut; bunseal's own prober, whose report is one line of every latency, is given no limit. */
export function lineReader(stream: ReadableStream<Uint8Array>, maxLine = MAX_LINE): LineReader {
  const queue: string[] = [];
  let waiters: (() => void)[] = [];
  let ended = false;
  const tail: string[] = [];
  // kept apart from the tail: the line that names the error can be far above the last lines
  let named: string | undefined;
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  const push = (line: string) => {
    const cut = line.length > maxLine ? line.slice(0, maxLine) : line;
    if (cut.trim() !== "") {
      const shown = cut.trim().slice(0, MAX_SHOWN);
      tail.push(shown);
      if (tail.length > TAIL) tail.shift();
      if (namesError(shown)) named = shown;
    }
    queue.push(cut);
    if (queue.length > MAX_QUEUED) queue.shift();
    wake();
  };
  void (async () => {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of stream) {
        partial += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = partial.indexOf("\n")) !== -1) {
          push(partial.slice(0, newline));
          partial = partial.slice(newline + 1);
        }
        // a line that never ends is kept to its first part, not grown without bound
        if (partial.length > maxLine) partial = partial.slice(0, maxLine);
      }
    } catch {
      // the pipe broke: the process is gone, what came is what there is
    }
    if (partial !== "") push(partial);
    ended = true;
    wake();
  })();
  const next = async () => {
    while (queue.length === 0 && !ended) await new Promise<void>((resolve) => waiters.push(resolve));
    return queue.shift();
  };
  return {
    next,
    async until(match) {
      for (;;) {
        const line = await next();
        if (line === undefined || match(line)) return line;
      }
    },
    last: () => tail.at(-1),
    complaint: () => named ?? tail.at(-1),
  };
}
