-- The SQL transaction of ONE accepted EmailBison delivery, statement for statement, as captured with
-- log_statement=all from webhook-service (WebhookIntake -> IntakeDeadline, WorkspaceRepository,
-- WebhookCredentialRepository, ProviderAccountRepository, IntakeStore, DeliveryLog). Same text, same parameters,
-- same order, one round trip per statement; steady state of an existing lead (insert-if-absent, find id, refresh).
-- Run with -M prepared (the service's driver uses named server-side statements once warm) and these variables
-- (./run passes them with -D): ws (workspace uuid), provider_ws, leads, seq=0, and the text fields below.
-- (pgbench replaces :name even inside string literals, hence 'email:' || 'lead'.)
-- Reply ids are client_id * 10^9 + a per-client counter: every transaction inserts a NEW message.
\set seq :seq + 1
\set rid 1000000000 * :client_id + :seq
\set lead random(1, :leads)
BEGIN;
SELECT set_config('statement_timeout', :stmt_timeout, true);
SELECT id, name, status, created_at, updated_at FROM webhook.workspaces WHERE id = :ws;
SELECT id, workspace_id, kind, secret_ciphertext, token_sha256, created_at, valid_until
FROM webhook.webhook_credentials
WHERE workspace_id = :ws AND (valid_until IS NULL OR valid_until > now())
ORDER BY id DESC;
SELECT EXISTS (SELECT 1 FROM webhook.workspace_provider_accounts
               WHERE workspace_id = :ws AND provider = 'emailbison'
                 AND provider_workspace_id = :provider_ws);
INSERT INTO webhook.leads (workspace_id, lead_key, email, phone, name, provider_lead_id)
VALUES (:ws, 'email:' || 'lead' || CAST(:lead AS text) || '@bench.example', 'lead' || CAST(:lead AS text) || '@bench.example',
        NULL, 'Lead ' || CAST(:lead AS text), CAST(:lead AS text))
ON CONFLICT (workspace_id, lead_key) DO NOTHING;
SELECT id AS lead_id FROM webhook.leads WHERE workspace_id = :ws AND lead_key = 'email:' || 'lead' || CAST(:lead AS text) || '@bench.example' \gset
UPDATE webhook.leads
SET email = COALESCE('lead' || CAST(:lead AS text) || '@bench.example', email), phone = COALESCE(CAST(NULL AS text), phone),
    name = COALESCE('Lead ' || CAST(:lead AS text), name),
    provider_lead_id = COALESCE(CAST(:lead AS text), provider_lead_id), updated_at = now()
WHERE id = :lead_id
  AND (email IS DISTINCT FROM COALESCE('lead' || CAST(:lead AS text) || '@bench.example', email)
       OR phone IS DISTINCT FROM COALESCE(CAST(NULL AS text), phone)
       OR name IS DISTINCT FROM COALESCE('Lead ' || CAST(:lead AS text), name)
       OR provider_lead_id IS DISTINCT FROM COALESCE(CAST(:lead AS text), provider_lead_id));
INSERT INTO webhook.messages (workspace_id, lead_id, provider, external_id, channel, direction,
                              event_type, subject, body, from_address, to_address, metadata, sent_at)
VALUES (:ws, :lead_id, 'emailbison', 'reply:' || CAST(:rid AS text) || '@app.emailbison.com', 'email', 'inbound',
        'lead_replied', :subject, :body, 'lead' || CAST(:lead AS text) || '@bench.example', 'sales@ourco.example',
        CAST(:metadata AS jsonb), CAST(:sent_at AS timestamptz))
ON CONFLICT (workspace_id, provider, external_id) DO NOTHING;
SELECT id AS message_id FROM webhook.messages
WHERE workspace_id = :ws AND provider = 'emailbison' AND external_id = 'reply:' || CAST(:rid AS text) || '@app.emailbison.com' \gset
INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload)
VALUES (:ws, :message_id, 'email-inbound-post-process', 'email-inbound-post-process:' || CAST(:message_id AS text),
        CAST('{"workspaceId":"' || CAST(:ws AS text) || '","messageId":' || CAST(:message_id AS text) || ',"leadId":'
             || CAST(:lead_id AS text) || ',"provider":"emailbison","eventType":"lead_replied","channel":"email",'
             || '"direction":"inbound"}' AS jsonb))
ON CONFLICT (dedupe_key) DO NOTHING;
INSERT INTO webhook.webhook_deliveries (workspace_id, webhook_id, provider, event_type, outcome, reason,
                                        http_status, body_bytes, message_id)
VALUES (:ws, NULL, 'emailbison', 'lead_replied', 'accepted', NULL, 200, :body_bytes, :message_id);
COMMIT;
