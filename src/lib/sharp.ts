// sharp (libvips) is loaded on first use: an API process that never reads an image does not carry
// it (about 30 MB of native memory; BENCHMARKS.md, P5).
import type sharpType from 'sharp';

export type Sharp = typeof sharpType;

let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then((m) => m.default));
}
