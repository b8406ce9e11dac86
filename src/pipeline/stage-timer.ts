/** Wall time per stage, reported with every build so a slow stage is visible without a profiler. */
export class StageTimer<Stage extends string> {
  private readonly start = performance.now();
  private last = this.start;
  readonly laps = {} as Record<Stage, number>;

  mark(stage: Stage): void {
    const now = performance.now();
    this.laps[stage] = Math.round(now - this.last);
    this.last = now;
  }

  total(): number {
    return Math.round(performance.now() - this.start);
  }
}
