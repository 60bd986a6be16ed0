ALTER TABLE "sync_records" ADD COLUMN "mappings_version_seen" bigint;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "mappings_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A needs_mapping record waits for a mapping change made after the mappings its run read; a version (not
-- updated_at, which a run still in flight writes after the change) says so exactly.
CREATE OR REPLACE FUNCTION "tenant_context_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tid text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
BEGIN
  -- A new customer mapping is not a change of anything cached: a cache miss reads it through.
  IF TG_TABLE_NAME = 'mappings' AND TG_OP = 'INSERT' THEN
    IF NEW.kind = 'customer' THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_TABLE_NAME = 'mappings' THEN
    UPDATE "tenants" SET "context_version" = "context_version" + 1, "mappings_version" = "mappings_version" + 1
      WHERE "id" = tid;
  ELSE
    UPDATE "tenants" SET "context_version" = "context_version" + 1 WHERE "id" = tid;
  END IF;
  RETURN NULL;
END $$;
