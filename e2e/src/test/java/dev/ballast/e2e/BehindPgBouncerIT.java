package dev.ballast.e2e;

import dev.ballast.e2e.BallastSystem.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ballast.e2e.BallastSystem.INTEGRATIONS;
import static dev.ballast.e2e.BallastSystem.JOBS;
import static dev.ballast.e2e.BallastSystem.WEBHOOK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The services as in production with {@code pgbouncer.enabled}: every one connected to PostgreSQL through a real
 * PgBouncer in transaction pooling ({@code DATABASE_PGBOUNCER=true}), migrating past it. Judged on the database, with
 * the same {@code RESULT e2e_<scenario>_lost/_duplicated} lines as {@link UnderFireIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BehindPgBouncerIT extends SystemScenarios {

    /** integrations-service's statement timeout here: below its 5 s admin request deadline, so that it is what ends a wait. */
    private static final String STATEMENT_TIMEOUT = "2s";

    @BeforeAll
    void start() {
        system = BallastSystem.startBehindPgBouncer(Map.of(
                JOBS, QUICK_JOB_RETRIES,
                WEBHOOK, QUICK_RELAY_RETRIES,
                INTEGRATIONS, Map.of("DATABASE_STATEMENT_TIMEOUT", STATEMENT_TIMEOUT)));
    }

    @Test
    void behindPgBouncerADuplicateStormStoresEachMessageOnceAndRunsEachSideEffectOnce() throws Exception {
        duplicateStorm("pgbstorm", "41", 11_000, 11, "pgbouncer_duplicate_storm");
    }

    @Test
    void pgBouncerRestartedMidRunLosesAndDuplicatesNothingAndStatementTimeoutsStillHoldBehindIt() throws Exception {
        Workspace ws = system.createWorkspace("pgbrestart", "42", "loc-pgbrestart");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(12_000, 150);
        AtomicLong finishedWhenKilled = new AtomicLong(-1);
        Map<Long, Integer> statuses;
        try {
            // 70 deliveries while it is down: longer than a delivery's 2 s time budget
            statuses = deliverPaced(ws, "42", replyIds, 50, i -> {
                if (i == 50) {
                    // deliveries flowing, jobs of the first ones running: PgBouncer dies with all its connections
                    await().atMost(Duration.ofSeconds(60)).until(() -> finishedJobs(ws) >= 3);
                    system.pgBouncer.kill();
                    finishedWhenKilled.set(finishedJobs(ws));
                    // every service's database is behind it: none of them can answer its readiness query now
                    for (String service : List.of(WEBHOOK, JOBS, INTEGRATIONS)) {
                        await().atMost(Duration.ofSeconds(30)).until(() -> system.sendTo("GET",
                                system.url(service) + "/health/readiness", null, null).statusCode() == 503);
                    }
                }
                if (i == 120) {
                    system.pgBouncer.startAgain();
                }
            });
        } finally {
            if (!system.pgBouncer.alive()) {
                system.pgBouncer.startAgain();
            }
        }
        List<Long> refused = redeliverRefused(ws, "42", statuses, "while PgBouncer was down");
        System.out.printf("pgbouncer killed with %d jobs finished; %d deliveries refused while it was down%n",
                finishedWhenKilled.get(), refused.size());
        awaitJobsDone(ws, 150);
        assertThat(countMessages(ws)).isEqualTo(150);
        assertThat(system.sandboxServed(ws, "slack")).as("Slack posts: one per message, none twice").isEqualTo(150);
        report("pgbouncer_restart", ws, replyIds);

        aStatementHeldByALockIsCancelledByPostgresAtTheStatementTimeout(ws);
    }

    /**
     * Behind PgBouncer no startup options reach PostgreSQL, so the statement timeout is a JDBC query timeout on every
     * statement, whose cancel request PgBouncer forwards to the server connection running it. A test transaction
     * holds the row a credential update writes: the update must answer 503 in time, and PostgreSQL must have
     * cancelled its statement rather than the service merely having stopped waiting (a statement only abandoned by
     * its client would still be waiting on the lock).
     */
    private void aStatementHeldByALockIsCancelledByPostgresAtTheStatementTimeout(Workspace ws) throws Exception {
        String path = "/admin/workspaces/" + ws.id() + "/integrations/slack";
        String body = "{\"token\":\"xoxb-sandbox-pgbrestart\",\"channel\":\"#replies\",\"alertChannel\":\"#alerts\"}";
        String admin = system.secret("INTEGRATIONS_ADMIN_TOKEN");
        try (Connection holder = system.db.connect()) {
            holder.setAutoCommit(false);
            int holderPid = ((Number) single(holder, "SELECT pg_backend_pid()")).intValue();
            assertThat(single(holder, "SELECT count(*) FROM (SELECT 1 FROM integrations.integration_credentials"
                    + " WHERE workspace_id = '" + ws.id() + "'::uuid AND provider = 'slack' FOR UPDATE) locked"))
                    .isEqualTo(1L);

            CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(
                    () -> system.send("PUT", INTEGRATIONS, path, body, admin));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> waitingOn(holderPid) == 1);

            HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.body()).contains("db_unavailable");
            assertThat(waitingOn(holderPid)).as("PostgreSQL cancelled the statement; none still waits on the lock")
                    .isZero();
            holder.rollback();
        }
        HttpResponse<String> again = system.send("PUT", INTEGRATIONS, path, body, admin);
        assertThat(again.statusCode()).as("the lock released, the same update goes through: " + again.body())
                .isEqualTo(200);
    }

    /** Backends waiting on a lock that {@code pid} holds. */
    private long waitingOn(int pid) {
        return system.db.count("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid);
    }

    private static Object single(Connection c, String sql) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            assertThat(rs.next()).isTrue();
            return rs.getObject(1);
        }
    }
}
