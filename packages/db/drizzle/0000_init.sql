CREATE TABLE "inbox_events" (
	"tenant_id" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"source" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"entity_id" text NOT NULL,
	"job_name" text NOT NULL,
	"job_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"enqueued_at" timestamp with time zone,
	CONSTRAINT "inbox_events_tenant_id_event_id_pk" PRIMARY KEY("tenant_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "mappings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"external_key" text NOT NULL,
	"qbo_id" text NOT NULL,
	"qbo_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "qbo_connections" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"realm_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"key_id" text NOT NULL,
	"access_token_enc" text NOT NULL,
	"refresh_token_enc" text NOT NULL,
	"access_token_expires_at" timestamp with time zone NOT NULL,
	"refresh_token_expires_at" timestamp with time zone NOT NULL,
	"token_version" integer DEFAULT 1 NOT NULL,
	"last_refreshed_at" timestamp with time zone,
	"status_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"sync_record_id" bigint NOT NULL,
	"tenant_id" text NOT NULL,
	"event_id" text,
	"job_id" text,
	"attempt" integer NOT NULL,
	"outcome" text NOT NULL,
	"status" text NOT NULL,
	"fault_code" text,
	"message" text,
	"retryable" boolean,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"entity_type" text NOT NULL,
	"external_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_version" integer DEFAULT 0 NOT NULL,
	"reason_code" text,
	"reason" text,
	"details" jsonb,
	"qbo_id" text,
	"sync_token" text,
	"doc_number" text,
	"qbo_url" text,
	"snapshot" jsonb,
	"snapshot_at" timestamp with time zone,
	"last_event_id" text,
	"synced_hash" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"api_key_hash" text NOT NULL,
	"api_key_prefix" text NOT NULL,
	"signing_secret_enc" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_api_key_hash_unique" UNIQUE("api_key_hash")
);
--> statement-breakpoint
ALTER TABLE "inbox_events" ADD CONSTRAINT "inbox_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mappings" ADD CONSTRAINT "mappings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qbo_connections" ADD CONSTRAINT "qbo_connections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_attempts" ADD CONSTRAINT "sync_attempts_sync_record_id_sync_records_id_fk" FOREIGN KEY ("sync_record_id") REFERENCES "public"."sync_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_records" ADD CONSTRAINT "sync_records_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inbox_events_unenqueued" ON "inbox_events" USING btree ("received_at") WHERE "inbox_events"."enqueued_at" is null;--> statement-breakpoint
CREATE INDEX "inbox_events_entity" ON "inbox_events" USING btree ("tenant_id","entity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mappings_tenant_kind_key" ON "mappings" USING btree ("tenant_id","kind","external_key");--> statement-breakpoint
CREATE INDEX "sync_attempts_record" ON "sync_attempts" USING btree ("sync_record_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_records_entity" ON "sync_records" USING btree ("tenant_id","entity_type","external_id");--> statement-breakpoint
CREATE INDEX "sync_records_status" ON "sync_records" USING btree ("tenant_id","status","updated_at");