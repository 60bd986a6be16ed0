ALTER TABLE "inbox_events" ADD COLUMN "processed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "inbox_events_unprocessed" ON "inbox_events" USING btree ("enqueued_at") WHERE "inbox_events"."processed_at" is null;--> statement-breakpoint
CREATE INDEX "inbox_events_unprocessed_received" ON "inbox_events" USING btree ("received_at") WHERE "inbox_events"."processed_at" is null;--> statement-breakpoint
-- Events already reflected in their entity's sync record (changed since the event arrived, and neither
-- pending nor syncing) count as processed; the rest are checked by the worker's sweep (a re-run is a no-op).
UPDATE "inbox_events" AS i SET "processed_at" = now()
WHERE i."enqueued_at" IS NOT NULL AND EXISTS (
  SELECT 1 FROM "sync_records" AS r
  WHERE r."tenant_id" = i."tenant_id" AND r."external_id" = i."entity_id"
    AND r."status" NOT IN ('pending', 'syncing') AND r."updated_at" >= i."received_at"
);
