// The tiers and their AI limits (seed 004), and the calendar periods of the quotas.

export const TIERS = ['free', 'basic', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];
export const PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type Period = (typeof PERIODS)[number];

/** null means unlimited. */
export interface TierLimits {
  perMinute: number | null;
  daily: number | null;
  weekly: number | null;
  monthly: number | null;
}

export const DEFAULT_TIER_LIMITS: Record<Tier, TierLimits> = {
  free: { perMinute: 10, daily: 50, weekly: 350, monthly: 1500 },
  basic: { perMinute: 30, daily: 500, weekly: 3500, monthly: 15000 },
  pro: { perMinute: 100, daily: 2000, weekly: 14000, monthly: 60000 },
  enterprise: { perMinute: 500, daily: null, weekly: null, monthly: null },
};

/** Warnings go out when a quota reaches this share. */
export const WARNING_SHARE = 0.9;

/** The UTC calendar period containing `now`: days, ISO weeks (from Monday), months. */
export function periodBounds(p: Period, now = new Date()): { start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  if (p === 'daily') return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
  if (p === 'monthly') return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  const sinceMonday = (now.getUTCDay() + 6) % 7;
  return { start: new Date(Date.UTC(y, m, d - sinceMonday)), end: new Date(Date.UTC(y, m, d - sinceMonday + 7)) };
}
