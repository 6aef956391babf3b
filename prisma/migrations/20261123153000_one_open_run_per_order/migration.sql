-- An order runs one task at a time: a second concurrent run of the same order is refused by the
-- database itself (a partial unique index; Prisma's schema cannot express it, so it lives here).
CREATE UNIQUE INDEX "tasks_one_open_run_per_order" ON "tasks" ("order_id") WHERE "order_id" IS NOT NULL AND "status" IN ('queued', 'running');
