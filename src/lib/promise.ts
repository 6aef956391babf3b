/** Whether `v` is a promise (or any thenable) rather than a value. */
export const thenable = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> => !!v && typeof (v as PromiseLike<T>).then === 'function';
