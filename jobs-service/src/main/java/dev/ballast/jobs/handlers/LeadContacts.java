package dev.ballast.jobs.handlers;

import dev.ballast.resilience.db.JdbcRunner;
import jakarta.inject.Singleton;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/** Each lead's last contact by us (time, channel, message), moved only forward, whatever order jobs run in. */
@Singleton
public final class LeadContacts {

    private final JdbcRunner jdbc;

    LeadContacts(JdbcRunner jdbc) {
        this.jdbc = jdbc;
    }

    /** Records {@code at} as the lead's last contact unless a later one is recorded; true when it moved. */
    public boolean contacted(UUID workspace, long leadId, Instant at, String channel, long messageId) {
        return jdbc.update("lead-contacted", """
                INSERT INTO jobs.lead_contacts AS l (workspace_id, lead_id, contacted_at, channel, message_id)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (workspace_id, lead_id) DO UPDATE
                SET contacted_at = excluded.contacted_at, channel = excluded.channel, message_id = excluded.message_id
                WHERE (l.contacted_at, l.message_id) < (excluded.contacted_at, excluded.message_id)""", st -> {
            st.setObject(1, workspace);
            st.setLong(2, leadId);
            st.setTimestamp(3, Timestamp.from(at));
            st.setString(4, channel);
            st.setLong(5, messageId);
        }) == 1;
    }
}
