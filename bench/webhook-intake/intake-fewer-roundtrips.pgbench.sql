-- NOT what the service runs: a what-if for the findings. The same work as intake.pgbench.sql (same rows written,
-- same reads) in 3 statements + COMMIT instead of 12 + COMMIT, to measure what fewer round trips per delivery would
-- buy. Same variables as intake.pgbench.sql. Run by hand, e.g. (with a workspace id in $WS):
--   pgbench -n -M prepared -f bench/webhook-intake/intake-fewer-roundtrips.pgbench.sql -c 16 -j 2 -T 20 \
--     -D ws=$WS -D provider_ws=4242 -D leads=100 -D seq=0 -D stmt_timeout=2000ms -D subject=s -D body=b \
--     -D metadata='{}' -D sent_at=2025-01-15T10:00:00Z -D body_bytes=700
\set seq :seq + 1
\set rid 1000000000 * :client_id + :seq
\set lead random(1, :leads)
BEGIN;
-- 1: statement timeout + workspace + live credentials + provider account, one round trip
SELECT set_config('statement_timeout', :stmt_timeout, true), w.id, w.name, w.status, w.created_at, w.updated_at,
       c.id, c.kind, c.secret_ciphertext, c.token_sha256, c.created_at, c.valid_until,
       EXISTS (SELECT 1 FROM webhook.workspace_provider_accounts
               WHERE workspace_id = w.id AND provider = 'emailbison' AND provider_workspace_id = :provider_ws) AS accepts
FROM webhook.workspaces w
LEFT JOIN webhook.webhook_credentials c ON c.workspace_id = w.id AND (c.valid_until IS NULL OR c.valid_until > now())
WHERE w.id = :ws
ORDER BY c.id DESC;
-- 2: lead insert-if-absent returning its id and stored fields (a refresh UPDATE only when they differ: not here)
WITH ins AS (
    INSERT INTO webhook.leads (workspace_id, lead_key, email, phone, name, provider_lead_id)
    VALUES (:ws, 'email:' || 'lead' || CAST(:lead AS text) || '@bench.example', 'lead' || CAST(:lead AS text) || '@bench.example',
            NULL, 'Lead ' || CAST(:lead AS text), CAST(:lead AS text))
    ON CONFLICT (workspace_id, lead_key) DO NOTHING
    RETURNING id, email, phone, name, provider_lead_id)
SELECT id AS lead_id, email, phone, name, provider_lead_id FROM ins
UNION ALL
SELECT id, email, phone, name, provider_lead_id FROM webhook.leads
WHERE workspace_id = :ws AND lead_key = 'email:' || 'lead' || CAST(:lead AS text) || '@bench.example'
LIMIT 1 \gset
-- 3: message insert-if-absent + outbox row + delivery log row, one round trip
WITH m AS (
    INSERT INTO webhook.messages (workspace_id, lead_id, provider, external_id, channel, direction,
                                  event_type, subject, body, from_address, to_address, metadata, sent_at)
    VALUES (:ws, :lead_id, 'emailbison', 'reply:' || CAST(:rid AS text) || '@app.emailbison.com', 'email', 'inbound',
            'lead_replied', :subject, :body, 'lead' || CAST(:lead AS text) || '@bench.example', 'sales@ourco.example',
            CAST(:metadata AS jsonb), CAST(:sent_at AS timestamptz))
    ON CONFLICT (workspace_id, provider, external_id) DO NOTHING
    RETURNING id),
o AS (
    INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload)
    SELECT :ws, m.id, 'email-inbound-post-process', 'email-inbound-post-process:' || m.id,
           jsonb_build_object('workspaceId', CAST(:ws AS text), 'messageId', m.id, 'leadId', CAST(:lead_id AS bigint),
                              'provider', 'emailbison', 'eventType', 'lead_replied', 'channel', 'email',
                              'direction', 'inbound')
    FROM m
    ON CONFLICT (dedupe_key) DO NOTHING),
d AS (
    INSERT INTO webhook.webhook_deliveries (workspace_id, webhook_id, provider, event_type, outcome, reason,
                                            http_status, body_bytes, message_id)
    SELECT :ws, NULL, 'emailbison', 'lead_replied', 'accepted', NULL, 200, :body_bytes, m.id FROM m)
SELECT id AS message_id FROM m;
COMMIT;
