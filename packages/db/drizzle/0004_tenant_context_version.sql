ALTER TABLE "tenants" ADD COLUMN "context_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Workers cache a tenant's settings, connection and mappings and reload them only when this stamp moved.
-- Triggers, so that every writer (API, CLI, token refresh, plain SQL) invalidates the caches.
CREATE FUNCTION "tenant_settings_context_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.settings IS DISTINCT FROM OLD.settings THEN
    NEW.context_version := OLD.context_version + 1;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tenants_context_version" BEFORE UPDATE ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION "tenant_settings_context_bump"();
--> statement-breakpoint
CREATE FUNCTION "tenant_context_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tid text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
BEGIN
  -- A new customer mapping is not a change of anything cached: a cache miss reads it through.
  IF TG_TABLE_NAME = 'mappings' AND TG_OP = 'INSERT' THEN
    IF NEW.kind = 'customer' THEN
      RETURN NULL;
    END IF;
  END IF;
  UPDATE "tenants" SET "context_version" = "context_version" + 1 WHERE "id" = tid;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "mappings_context_version" AFTER INSERT OR UPDATE OR DELETE ON "mappings"
  FOR EACH ROW EXECUTE FUNCTION "tenant_context_bump"();
--> statement-breakpoint
CREATE TRIGGER "qbo_connections_context_version" AFTER INSERT OR DELETE OR UPDATE OF "status", "realm_id", "token_version", "access_token_enc" ON "qbo_connections"
  FOR EACH ROW EXECUTE FUNCTION "tenant_context_bump"();
