ALTER TABLE "sync_records" ADD COLUMN "pending_job" text;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "waiting_for" text;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "callback_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "manual_sync_requested_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "sync_records_waiting_for" ON "sync_records" USING btree ("tenant_id","waiting_for") WHERE "sync_records"."waiting_for" is not null;