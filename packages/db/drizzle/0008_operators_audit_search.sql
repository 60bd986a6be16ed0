CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" bigint,
	"actor_name" text NOT NULL,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"tenant_id" text,
	"target" jsonb,
	"count" integer,
	"note" text,
	"result" text DEFAULT 'started' NOT NULL,
	"error" text,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_prefix" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "operators_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "retry" jsonb;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "search_terms" text[] GENERATED ALWAYS AS (array_remove(array_remove(array[lower(external_id), lower(doc_number), lower(qbo_id), lower(last_event_id), lower(snapshot->>'number'), lower(coalesce(snapshot->'customer', snapshot)->>'email'), lower(coalesce(snapshot->'customer', snapshot)->>'displayName'), lower(coalesce(snapshot->'customer', snapshot)->>'companyName')] || regexp_split_to_array(lower(coalesce(coalesce(snapshot->'customer', snapshot)->>'displayName', '') || ' ' || coalesce(coalesce(snapshot->'customer', snapshot)->>'firstName', '') || ' ' || coalesce(coalesce(snapshot->'customer', snapshot)->>'lastName', '') || ' ' || coalesce(coalesce(snapshot->'customer', snapshot)->>'companyName', '')), '\s+'), null), '')) STORED;--> statement-breakpoint
CREATE INDEX "audit_log_tenant" ON "audit_log" USING btree ("tenant_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor" ON "audit_log" USING btree ("actor_name","id");--> statement-breakpoint
CREATE INDEX "audit_log_action" ON "audit_log" USING btree ("action","id");--> statement-breakpoint
CREATE UNIQUE INDEX "operators_active_name" ON "operators" USING btree ("name") WHERE "operators"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "sync_attempts_finished" ON "sync_attempts" USING brin ("finished_at");--> statement-breakpoint
CREATE INDEX "sync_records_search" ON "sync_records" USING gin ("search_terms");--> statement-breakpoint
CREATE INDEX "sync_records_attention" ON "sync_records" USING btree ("status","reason_code","updated_at") WHERE "sync_records"."status" in ('failed', 'needs_mapping', 'conflict', 'needs_reconnect');--> statement-breakpoint
CREATE INDEX "sync_records_retrying" ON "sync_records" USING btree ("tenant_id") WHERE "sync_records"."retry" is not null;