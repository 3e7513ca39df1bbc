-- The SQL transaction of ONE accepted EmailBison delivery, as webhook-service runs it (IntakeContext.SQL and
-- IntakeStore.STORE): the same statements, parameters and order, in the same 3 round trips: BEGIN pipelined
-- with the auth/context query (the driver sends them in one flush), the lead + message + outbox + delivery-log
-- statement, COMMIT. Steady state of an existing lead whose fields
-- did not change, so no refresh UPDATE (as in the service). Only column aliases were added for \gset, and the
-- input CTE's parameters are pgbench variables or the constants the service binds for this delivery.
-- Run with -M prepared and these variables (./run passes them with -D): ws (workspace uuid), leads, seq=0,
-- stmt_timeout, and the text fields below. (pgbench replaces :name even inside string literals, hence
-- 'email:' || 'lead'.) Reply ids are client_id * 10^9 + a per-client counter: every transaction inserts a NEW
-- message. Keep this file in step with those two statements.
\set seq :seq + 1
\set rid 1000000000 * :client_id + :seq
\set lead random(1, :leads)
\startpipeline
BEGIN;
SELECT set_config('statement_timeout', :stmt_timeout, true), w.status,
       CASE WHEN w.id IS NOT NULL THEN ARRAY(
           SELECT a.provider_workspace_id FROM webhook.workspace_provider_accounts a
           WHERE a.workspace_id = w.id AND a.provider = 'emailbison') END AS accepted,
       c.id, c.kind, c.secret_ciphertext, c.token_sha256, c.created_at, c.valid_until
FROM (SELECT CAST(:ws AS uuid) AS id) q
LEFT JOIN webhook.workspaces w ON w.id = q.id
LEFT JOIN webhook.webhook_credentials c
       ON c.workspace_id = w.id AND (c.valid_until IS NULL OR c.valid_until > now())
ORDER BY c.id DESC;
\endpipeline
WITH input AS (
    SELECT CAST(:ws AS uuid) AS workspace_id, CAST('email:' || 'lead' || CAST(:lead AS text) || '@bench.example' AS text) AS lead_key,
           CAST('lead' || CAST(:lead AS text) || '@bench.example' AS text) AS email,
           CAST(NULL AS text) AS phone, CAST('Lead ' || CAST(:lead AS text) AS text) AS name,
           CAST(CAST(:lead AS text) AS text) AS provider_lead_id,
           CAST('emailbison' AS text) AS provider,
           CAST('reply:' || CAST(:rid AS text) || '@app.emailbison.com' AS text) AS external_id,
           CAST('email' AS text) AS channel, CAST('inbound' AS text) AS direction,
           CAST('lead_replied' AS text) AS event_type, CAST(:subject AS text) AS subject, CAST(:body AS text) AS body,
           CAST('lead' || CAST(:lead AS text) || '@bench.example' AS text) AS from_address,
           CAST('sales@ourco.example' AS text) AS to_address,
           CAST(:metadata AS jsonb) AS metadata, CAST(:sent_at AS timestamptz) AS sent_at,
           CAST('{"workspaceId":"' || CAST(:ws AS text)
                || '","provider":"emailbison","eventType":"lead_replied","channel":"email","direction":"inbound"}' AS jsonb) AS payload,
           CAST('{email-inbound-post-process}' AS text[]) AS job_types, CAST(NULL AS text) AS webhook_id,
           CAST('accepted' AS text) AS outcome, CAST(NULL AS text) AS reason, CAST(200 AS integer) AS http_status,
           CAST(:body_bytes AS integer) AS body_bytes),
ins AS (
    INSERT INTO webhook.leads (workspace_id, lead_key, email, phone, name, provider_lead_id)
    SELECT workspace_id, lead_key, email, phone, name, provider_lead_id FROM input
    ON CONFLICT (workspace_id, lead_key) DO NOTHING
    RETURNING id),
l AS (
    SELECT id, true AS created, CAST(NULL AS text) AS email, CAST(NULL AS text) AS phone,
           CAST(NULL AS text) AS name, CAST(NULL AS text) AS provider_lead_id FROM ins
    UNION ALL
    SELECT le.id, false, le.email, le.phone, le.name, le.provider_lead_id
    FROM webhook.leads le JOIN input i ON le.workspace_id = i.workspace_id AND le.lead_key = i.lead_key),
m AS (
    INSERT INTO webhook.messages (workspace_id, lead_id, provider, external_id, channel, direction,
                                  event_type, subject, body, from_address, to_address, metadata, sent_at)
    SELECT i.workspace_id, l.id, i.provider, i.external_id, i.channel, i.direction, i.event_type, i.subject,
           i.body, i.from_address, i.to_address, i.metadata, i.sent_at
    FROM l CROSS JOIN input i
    ON CONFLICT (workspace_id, provider, external_id) DO NOTHING
    RETURNING id, lead_id),
o AS (
    INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload)
    SELECT i.workspace_id, m.id, j.job_type, j.job_type || ':' || CAST(m.id AS text),
           i.payload || jsonb_build_object('leadId', m.lead_id, 'messageId', m.id)
    FROM m CROSS JOIN input i CROSS JOIN unnest(i.job_types) AS j(job_type)
    ON CONFLICT (dedupe_key) DO NOTHING),
d AS (
    INSERT INTO webhook.webhook_deliveries (workspace_id, webhook_id, provider, event_type, outcome, reason,
                                            http_status, body_bytes, message_id)
    SELECT i.workspace_id, i.webhook_id, i.provider, i.event_type, i.outcome, i.reason, i.http_status,
           i.body_bytes, m.id
    FROM m CROSS JOIN input i)
SELECT l.id, l.created, l.email, l.phone, l.name, l.provider_lead_id, (SELECT id FROM m) FROM l;
COMMIT;
