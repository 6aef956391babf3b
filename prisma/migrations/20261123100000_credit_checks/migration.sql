-- Balances and holds can never go negative or be over-settled, whatever the application does.
-- (Prisma's schema language has no CHECK constraints; they live in this migration only.)
ALTER TABLE "credit_accounts"
  ADD CONSTRAINT "credit_accounts_available_nonnegative" CHECK ("available" >= 0),
  ADD CONSTRAINT "credit_accounts_reserved_nonnegative" CHECK ("reserved" >= 0);

ALTER TABLE "credit_holds"
  ADD CONSTRAINT "credit_holds_amount_positive" CHECK ("amount" > 0),
  ADD CONSTRAINT "credit_holds_captured_within_amount" CHECK ("captured" >= 0 AND "captured" <= "amount");

ALTER TABLE "redemption_codes"
  ADD CONSTRAINT "redemption_codes_amount_positive" CHECK ("amount" > 0),
  ADD CONSTRAINT "redemption_codes_uses_within_max" CHECK ("max_uses" >= 1 AND "used_count" >= 0 AND "used_count" <= "max_uses");
