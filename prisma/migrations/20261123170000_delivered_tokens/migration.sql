-- A streamed text task whose client left is canceled and charged for the tokens it received.
ALTER TABLE "tasks" ADD COLUMN "delivered_tokens" INTEGER;
