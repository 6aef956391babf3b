/** Whether `v` is a promise (or any thenable) rather than a value. */
export const thenable = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> => !!v && typeof (v as PromiseLike<T>).then === 'function';

/** Raised by `within` when a promise has not settled in time. */
export class TimedOut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimedOut';
  }
}

/**
 * `p`, or a TimedOut rejection after `ms`. `p` itself goes on (it cannot be stopped); its later
 * rejection is not left unhandled.
 */
export function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(message)), ms);
  });
  p.catch(() => {});
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
