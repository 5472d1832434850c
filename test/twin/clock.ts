/**
 * The twin's clock: real time plus an offset the twin moves forward when it skips a wait (a message's
 * visibility timeout). The whole process sees it through `Date`, the functions' in-memory caches and
 * the local endpoints' quota windows alike, so skipping 15 minutes is 15 minutes for everyone.
 */
export interface Clock {
  now(): number;
  /** Moves time forward to `ms` (never back). */
  advanceTo(ms: number): void;
}

const RealDate = Date;

export class ShiftedClock implements Clock {
  /** `offset` ms from real time to start with (negative: earlier). */
  constructor(private offset = 0) {}
  private installed = false;

  now(): number {
    return RealDate.now() + this.offset;
  }

  advanceTo(ms: number): void {
    this.offset += Math.max(0, ms - this.now());
  }

  advance(seconds: number): void {
    this.offset += seconds * 1000;
  }

  /** Makes `Date` (no-argument construction and Date.now) follow this clock; returns the restorer. */
  install(): () => void {
    if (this.installed) throw new Error("a twin clock is installed already");
    const clock = this;
    class TwinDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(clock.now());
        else super(...(args as [string]));
      }
      static override now(): number {
        return clock.now();
      }
    }
    globalThis.Date = TwinDate as DateConstructor;
    this.installed = true;
    return () => {
      globalThis.Date = RealDate;
      this.installed = false;
    };
  }
}

/** A clock that moves only when told (unit tests of the emulators). */
export class ManualClock implements Clock {
  constructor(private ms = RealDate.now()) {}
  now(): number {
    return this.ms;
  }
  advanceTo(ms: number): void {
    this.ms = Math.max(this.ms, ms);
  }
}
