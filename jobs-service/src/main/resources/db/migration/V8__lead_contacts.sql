-- When we last wrote to each lead and on which channel, kept by the outbound post-process jobs. One row per lead;
-- an older outbound message processed late never moves it back.
CREATE TABLE lead_contacts (
    workspace_id   uuid        NOT NULL,
    lead_id        bigint      NOT NULL,
    contacted_at   timestamptz NOT NULL,
    channel        text        NOT NULL,
    message_id     bigint      NOT NULL,
    PRIMARY KEY (workspace_id, lead_id)
);
