-- The private PostgreSQL's DSQL scaffolding, applied (idempotently) by the
-- superuser at every emulator start. See `private.rs` for why the
-- transaction rules live here rather than in the proxy.

-- The whole file runs as one implicit transaction; our own DDL must not
-- trip the one-DDL-per-transaction rule (event triggers exist from the
-- second start on).
SELECT set_config('dsql.internal', 'on', true);

CREATE SCHEMA IF NOT EXISTS sys;
GRANT USAGE ON SCHEMA sys TO PUBLIC;

-- DSQL's job log: one row per asynchronous index build.
CREATE TABLE IF NOT EXISTS sys.jobs (
    job_id      text PRIMARY KEY,
    status      text NOT NULL,
    details     text,
    job_type    text NOT NULL,
    class_id    oid,
    object_id   oid,
    object_name text,
    start_time  timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON sys.jobs TO PUBLIC;

-- A job id the way DSQL prints one: 26 characters of lower-case base32.
CREATE OR REPLACE FUNCTION sys.__new_job_id() RETURNS text
LANGUAGE sql VOLATILE AS $f$
    SELECT translate(substr(md5(random()::text || clock_timestamp()::text)
                         || md5(random()::text), 1, 26),
                     '0123456789', 'abcdefgh27')
$f$;

-- Records a finished job; SECURITY DEFINER because clients may only read sys.jobs.
CREATE OR REPLACE FUNCTION sys.__record_job(p_type text, p_object_name text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
DECLARE
    id text := sys.__new_job_id();
    obj oid := to_regclass(p_object_name);
BEGIN
    INSERT INTO sys.jobs (job_id, status, job_type, class_id, object_id, object_name)
    VALUES (id, 'completed', p_type, 'pg_class'::regclass, obj, p_object_name);
    RETURN id;
END
$f$;

-- CREATE [UNIQUE] INDEX ASYNC: the proxy rewrites the statement to a call of
-- this function. The index is built synchronously (the private cluster is
-- small) as the calling role, then the job is recorded as completed.
CREATE OR REPLACE FUNCTION sys.__create_index_async(p_ddl text, p_name text) RETURNS text
LANGUAGE plpgsql AS $f$
DECLARE
    name text := p_name;
BEGIN
    EXECUTE p_ddl;
    IF name IS NULL THEN
        -- Unnamed index: PostgreSQL chose the name; it is the newest index.
        SELECT c.relname INTO name FROM pg_class c WHERE c.relkind = 'i' ORDER BY c.oid DESC LIMIT 1;
    END IF;
    RETURN sys.__record_job('INDEX_BUILD', name);
END
$f$;

-- ALTER TABLE ASYNC … VALIDATE CONSTRAINT: same idea.
CREATE OR REPLACE FUNCTION sys.__alter_table_async(p_ddl text, p_table text) RETURNS text
LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE p_ddl;
    RETURN sys.__record_job('VALIDATE_CONSTRAINT', p_table);
END
$f$;

-- CALL sys.wait_for_job('<id>'): jobs finish before their statement returns,
-- so waiting is only the id check DSQL does.
CREATE OR REPLACE PROCEDURE sys.wait_for_job(job_id text)
LANGUAGE plpgsql AS $f$
BEGIN
    IF job_id IS NULL OR job_id !~ '^[a-z2-7]{26}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22P02', MESSAGE = 'Unable to convert text to UUID';
    END IF;
END
$f$;

-- A refusal that PostgreSQL itself raises, so that it aborts the
-- transaction exactly like any other error (25P02 afterwards, COMMIT
-- answers ROLLBACK).
CREATE OR REPLACE FUNCTION sys.__refuse(p_state text, p_message text) RETURNS void
LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION USING ERRCODE = p_state, MESSAGE = p_message;
END
$f$;

-- One DDL per transaction, never mixed with writes. Transaction-local
-- settings carry what the transaction has done; they vanish at its end.
CREATE OR REPLACE FUNCTION sys.__ddl_start() RETURNS event_trigger
LANGUAGE plpgsql AS $f$
BEGIN
    IF current_setting('dsql.internal', true) = 'on' THEN
        RETURN;
    END IF;
    IF current_setting('dsql.dml_seen', true) = 'on' THEN
        RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = 'ddl and dml are not supported in the same transaction';
    END IF;
    IF current_setting('dsql.ddl_seen', true) = 'on' THEN
        RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = 'multiple ddl statements not supported in a transaction';
    END IF;
    PERFORM set_config('dsql.ddl_seen', 'on', true);
END
$f$;

-- Writes: refuse DML after DDL before the statement touches a row (as DSQL
-- does, ahead of any constraint error), and remember that the transaction wrote.
CREATE OR REPLACE FUNCTION sys.__dml_start() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
    IF current_setting('dsql.ddl_seen', true) = 'on' THEN
        RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = 'ddl and dml are not supported in the same transaction';
    END IF;
    PERFORM set_config('dsql.dml_seen', 'on', true);
    RETURN NULL;
END
$f$;

-- Transaction size (DSQL: 10 MiB, checked at COMMIT). Crossing the cap
-- queues one deferred check: a row in this table whose constraint trigger
-- fails the COMMIT. The row never commits, because its trigger fails.
CREATE UNLOGGED TABLE IF NOT EXISTS sys.__oversized_transactions (bytes_written bigint NOT NULL);

-- The transaction-size cap in bytes ([emulator] max_transaction_bytes).
CREATE OR REPLACE FUNCTION sys.__size_cap() RETURNS bigint
LANGUAGE sql STABLE AS $f$
    SELECT coalesce(nullif(current_setting('dsql.max_transaction_bytes', true), ''), '10485760')::bigint
$f$;

-- The cap as DSQL words it (`10mb`); a cap that is not whole MiB in bytes.
CREATE OR REPLACE FUNCTION sys.__size_cap_label(p_cap bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
    SELECT CASE WHEN p_cap % 1048576 = 0 THEN (p_cap / 1048576)::text || 'mb' ELSE p_cap::text || ' bytes' END
$f$;

CREATE OR REPLACE FUNCTION sys.__fail_oversized_commit() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '54000',
        MESSAGE = format('transaction size limit %s exceeded', sys.__size_cap_label(sys.__size_cap()));
END
$f$;

DROP TRIGGER IF EXISTS dsql_size_at_commit ON sys.__oversized_transactions;
CREATE CONSTRAINT TRIGGER dsql_size_at_commit AFTER INSERT ON sys.__oversized_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sys.__fail_oversized_commit();

-- SECURITY DEFINER: clients may not write to sys tables themselves.
CREATE OR REPLACE FUNCTION sys.__fail_at_commit(p_bytes bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $f$
    INSERT INTO sys.__oversized_transactions (bytes_written) VALUES (p_bytes)
$f$;

-- After each write statement: count rows changed per transaction (DSQL
-- fails the statement that passes the cap) and the bytes written: the new
-- row versions plus, as DSQL counts them, their secondary-index entries.
-- The trigger's arguments name the indexed columns (one per column of each
-- secondary index, kept current by `sys.__size_triggers`), so the sizes
-- come from one static query — a catalog lookup and a dynamic query per
-- statement cost 30 % of single-row UPDATE throughput. Sizes are
-- PostgreSQL's (pg_column_size; index columns as jsonb values): an estimate
-- of DSQL's. Deletes add none.
CREATE OR REPLACE FUNCTION sys.__count_rows() RETURNS trigger
LANGUAGE plpgsql AS $f$
DECLARE
    changed bigint;
    written bigint := 0;
    index_bytes bigint;
    total bigint;
    cap bigint := coalesce(nullif(current_setting('dsql.max_rows_per_transaction', true), ''), '3000')::bigint;
    size_cap bigint := sys.__size_cap();
    size_before bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO changed FROM old_rows;
    ELSE
        SELECT count(*), coalesce(sum(pg_column_size(n.*)), 0) INTO changed, written FROM new_rows AS n;
        IF TG_NARGS > 0 THEN
            SELECT coalesce(sum(pg_column_size(r.j -> c.name)), 0) INTO index_bytes
            FROM (SELECT to_jsonb(n) AS j FROM new_rows AS n) AS r CROSS JOIN unnest(TG_ARGV) AS c(name);
            written := written + index_bytes;
        END IF;
    END IF;
    total := coalesce(nullif(current_setting('dsql.rows_changed', true), ''), '0')::bigint + changed;
    IF total > cap THEN
        RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = 'transaction row limit exceeded';
    END IF;
    PERFORM set_config('dsql.rows_changed', total::text, true);
    IF written > 0 THEN
        size_before := coalesce(nullif(current_setting('dsql.bytes_written', true), ''), '0')::bigint;
        PERFORM set_config('dsql.bytes_written', (size_before + written)::text, true);
        IF size_before <= size_cap AND size_before + written > size_cap THEN
            PERFORM sys.__fail_at_commit(size_before + written);
        END IF;
    END IF;
    RETURN NULL;
END
$f$;

-- (Re)creates a table's insert and update counting triggers with the
-- columns of its secondary indexes as arguments. Runs as part of our own
-- DDL (dsql.internal is on), on CREATE TABLE, CREATE INDEX, ALTER TABLE and
-- DROP INDEX. A stale list only misjudges sizes: a missing column counts 0.
CREATE OR REPLACE FUNCTION sys.__size_triggers(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE
    args text;
    trg record;
BEGIN
    SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY i.indexrelid, k.pos) INTO args
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = p_table AND NOT i.indisprimary;
    FOR trg IN SELECT * FROM (VALUES ('dsql_rows_ins', 'INSERT'), ('dsql_rows_upd', 'UPDATE')) AS v(name, event) LOOP
        -- Not DROP … IF EXISTS: its NOTICE for a new table would reach the client.
        IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p_table AND tgname = trg.name) THEN
            EXECUTE format('DROP TRIGGER %I ON %s', trg.name, p_table);
        END IF;
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sys.__count_rows(%s)',
                       trg.name, trg.event, p_table, coalesce(args, ''));
    END LOOP;
END
$f$;

-- Every new table gets the row-counting triggers (DSQL has no user
-- triggers, so nothing else uses them).
CREATE OR REPLACE FUNCTION sys.__ddl_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
DECLARE
    cmd record;
    tbl text;
BEGIN
    IF current_setting('dsql.internal', true) = 'on' THEN
        RETURN;
    END IF;
    PERFORM set_config('dsql.internal', 'on', true);
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands()
               WHERE object_type = 'table' AND command_tag IN ('CREATE TABLE', 'SELECT INTO', 'CREATE TABLE AS')
                 AND schema_name <> 'sys'
    LOOP
        tbl := cmd.object_identity;
        EXECUTE format('CREATE TRIGGER dsql_dml_start BEFORE INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sys.__dml_start()', tbl);
        PERFORM sys.__size_triggers(tbl::regclass);
        EXECUTE format('CREATE TRIGGER dsql_rows_del AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sys.__count_rows()', tbl);
    END LOOP;
    -- A new index or a changed table: its index columns for the size count.
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands()
               WHERE schema_name <> 'sys'
                 AND ((object_type = 'index' AND command_tag = 'CREATE INDEX')
                      OR (object_type = 'table' AND command_tag = 'ALTER TABLE'))
    LOOP
        PERFORM sys.__size_triggers(t.relid)
        FROM (SELECT CASE WHEN cmd.object_type = 'index'
                          THEN (SELECT indrelid FROM pg_index WHERE indexrelid = cmd.objid)
                          ELSE cmd.objid END::regclass AS relid) AS t
        WHERE EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.relid AND tgname = 'dsql_rows_ins');
    END LOOP;
    PERFORM set_config('dsql.internal', 'off', true);
END
$f$;

-- DROP INDEX: the dropped index's table is gone from the catalog by now,
-- so every DSQL table's size triggers are refreshed (DDL is rare).
CREATE OR REPLACE FUNCTION sys.__ddl_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $f$
DECLARE
    t regclass;
BEGIN
    IF current_setting('dsql.internal', true) = 'on'
       OR NOT EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() WHERE object_type = 'index') THEN
        RETURN;
    END IF;
    PERFORM set_config('dsql.internal', 'on', true);
    FOR t IN SELECT tgrelid::regclass FROM pg_trigger WHERE tgname = 'dsql_rows_ins' LOOP
        PERFORM sys.__size_triggers(t);
    END LOOP;
    PERFORM set_config('dsql.internal', 'off', true);
END
$f$;

DROP EVENT TRIGGER IF EXISTS dsql_ddl_start;
CREATE EVENT TRIGGER dsql_ddl_start ON ddl_command_start EXECUTE FUNCTION sys.__ddl_start();
DROP EVENT TRIGGER IF EXISTS dsql_ddl_end;
CREATE EVENT TRIGGER dsql_ddl_end ON ddl_command_end EXECUTE FUNCTION sys.__ddl_end();
DROP EVENT TRIGGER IF EXISTS dsql_ddl_drop;
CREATE EVENT TRIGGER dsql_ddl_drop ON sql_drop EXECUTE FUNCTION sys.__ddl_drop();

-- Tables created by an older emulator build: give them the current triggers.
DO $do$
DECLARE
    t regclass;
BEGIN
    PERFORM set_config('dsql.internal', 'on', true);
    FOR t IN SELECT tg.tgrelid::regclass FROM pg_trigger tg
             WHERE tg.tgname = 'dsql_rows_ins'
               AND NOT EXISTS (SELECT 1 FROM pg_trigger x WHERE x.tgrelid = tg.tgrelid AND x.tgname = 'dsql_dml_start')
    LOOP
        EXECUTE format('CREATE TRIGGER dsql_dml_start BEFORE INSERT OR UPDATE OR DELETE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sys.__dml_start()', t);
    END LOOP;
    -- Size triggers from before index entries were counted.
    FOR t IN SELECT tg.tgrelid::regclass FROM pg_trigger tg
             WHERE tg.tgname = 'dsql_rows_ins' AND tg.tgnargs = 0
               AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = tg.tgrelid AND NOT i.indisprimary)
    LOOP
        PERFORM sys.__size_triggers(t);
    END LOOP;
END
$do$;
