-- A tenant's callback run reads, in one statement, its records whose status version was not announced yet
-- (status_version > callback_version), oldest change first, a bounded batch: this partial index serves it
-- without scanning the tenant's other records.
CREATE INDEX "sync_records_callback_pending" ON "sync_records" USING btree ("tenant_id","updated_at") WHERE "sync_records"."status_version" > "sync_records"."callback_version";
