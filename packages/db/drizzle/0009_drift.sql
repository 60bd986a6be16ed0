CREATE TABLE "cdc_cursors" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"changed_since" timestamp with time zone NOT NULL,
	"last_run_at" timestamp with time zone,
	"requested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "qbo_webhook_events" (
	"tenant_id" text NOT NULL,
	"event_key" text NOT NULL,
	"realm_id" text NOT NULL,
	"entity" text NOT NULL,
	"qbo_id" text NOT NULL,
	"operation" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "qbo_webhook_events_tenant_id_event_key_pk" PRIMARY KEY("tenant_id","event_key")
);
--> statement-breakpoint
ALTER TABLE "cdc_cursors" ADD CONSTRAINT "cdc_cursors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qbo_webhook_events" ADD CONSTRAINT "qbo_webhook_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "qbo_webhook_events_received" ON "qbo_webhook_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "sync_records_qbo_id" ON "sync_records" USING btree ("tenant_id","entity_type","qbo_id") WHERE "sync_records"."qbo_id" is not null;