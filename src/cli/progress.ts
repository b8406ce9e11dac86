/**
 * One updating line on stderr for the long stages (the sandboxed build, an
 * install, a clone, check's builds): the stage and how long it has run, redrawn
 * in place. Only when stderr is a terminal: in a CI log or a pipe, a line
 * rewritten with carriage returns is noise, so nothing is drawn there, nor with
 * --json or --quiet. Messages (warnings, the stage lines commands already
 * print) still go out whole: the line is cleared first and redrawn after.
 */
import { stderrStream } from "./streams.ts";

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** a stage began; the line shows it until the next one or `stop` */
  stage(label: string): void;
  /** a message for people, printed whole (never lost under the line) */
  log(message: string): void;
  /** clears the line; the command's own output follows */
  stop(): void;
}

const CLEAR = "\r\x1b[2K";
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface ProgressOptions {
  /** --json or --quiet: no line, and no messages either (--json keeps stderr for errors) */
  silent?: boolean;
  stream?: ProgressStream;
  /** redraw interval; tests shorten it */
  intervalMs?: number;
  now?: () => number;
}

export function progressLine(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? stderrStream;
  const now = options.now ?? (() => performance.now());
  if (options.silent) return { stage() {}, log() {}, stop() {} };
  if (!stream.isTTY) return { stage() {}, log: (m) => void stream.write(`${m}\n`), stop() {} };

  let label: string | undefined;
  let started = 0;
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const draw = () => {
    if (label === undefined) return;
    const seconds = ((now() - started) / 1000).toFixed(1);
    stream.write(`${CLEAR}${FRAMES[frame++ % FRAMES.length]} ${label}  ${seconds}s`);
  };
  const clear = () => {
    if (label !== undefined) stream.write(CLEAR);
  };
  return {
    stage(next) {
      label = next;
      started = now();
      if (!timer) {
        timer = setInterval(draw, options.intervalMs ?? 120);
        // the line never keeps the process alive: a command that is done exits
        timer.unref?.();
      }
      draw();
    },
    log(message) {
      clear();
      stream.write(`${message}\n`);
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
      label = undefined;
    },
  };
}

/**
 * A command's progress: the Context's `log` and `progress`, as `--json` and
 * `--quiet` want them. `--json` keeps stderr quiet (the JSON is the answer);
 * `--quiet` drops the stage lines and the updating line, but not a warning
 * (a build without its sandbox must not pass unsaid).
 */
export function commandProgress(flags: { json?: boolean; quiet?: boolean }, stream: ProgressStream = stderrStream): Progress & { context: { log(message: string): void; progress(stage: string): void } } {
  const line = progressLine({ silent: flags.json === true || flags.quiet === true, stream });
  const warnings = flags.quiet === true && flags.json !== true;
  const log = (m: string) => (warnings && m.startsWith("warning:") ? void stream.write(`${m}\n`) : line.log(m));
  return { ...line, context: { log, progress: (s) => line.stage(s) } };
}
