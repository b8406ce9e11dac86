/**
 * What every stage may touch besides its input: the clock, the environment
 * bunseal was started with, and a logger. Passed in, never reached for, so a
 * test can fix the time and the environment.
 */
export interface Context {
  now(): Date;
  env: Readonly<Record<string, string | undefined>>;
  /** progress for people; the library never prints, the CLI decides where this goes */
  log(message: string): void;
  /** a long stage began (a build, an install, a clone): the CLI may show it on one updating line */
  progress?(stage: string): void;
}

export function defaultContext(overrides: Partial<Context> = {}): Context {
  return { now: () => new Date(), env: process.env, log: () => {}, ...overrides };
}
