-- Booked meetings: one row per (workspace, appointment), from GHL AppointmentCreate webhooks or PUT
-- /leads/{id}/booking; the lead carries when it was first booked, so booked leads are found by an index.

ALTER TABLE leads ADD COLUMN booked_at timestamptz;
CREATE INDEX leads_booked ON leads (booked_at) WHERE booked_at IS NOT NULL;

CREATE TABLE bookings (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id   uuid        NOT NULL REFERENCES workspaces (id),
    lead_id        bigint      NOT NULL REFERENCES leads (id),
    appointment_id text        NOT NULL,
    source         text        NOT NULL CHECK (source IN ('ghl', 'api')),
    starts_at      timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bookings_once UNIQUE (workspace_id, appointment_id)
);
CREATE INDEX bookings_lead ON bookings (lead_id, id);
