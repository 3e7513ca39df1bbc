package dev.ballast.helm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

/** Bad values stop rendering with a message that names what is wrong; nothing half-rendered comes out. */
class RefusedValuesTest {

    @Test
    void aNegativePoolSizeIsRefusedByTheSchema() {
        assertRefused(Map.of("config.DATABASE_POOL_MAX_SIZE", -1), "DATABASE_POOL_MAX_SIZE", "minimum");
        assertRefused(Map.of("jobs.config.DATABASE_POOL_MAX_SIZE", 0), "DATABASE_POOL_MAX_SIZE", "minimum");
    }

    @Test
    void aContextPackBatchOver15IsRefused() {
        assertRefused(Map.of("insights.config.INSIGHTS_CONTEXT_PACK_CRON_BATCH", 16), "INSIGHTS_CONTEXT_PACK_CRON_BATCH",
                "maximum");
        assertThatNoException().isThrownBy(() -> Chart.render(Map.of("insights.config.INSIGHTS_CONTEXT_PACK_CRON_BATCH", 15)));
    }

    @Test
    void aLeadConcurrencyOver8IsRefused() {
        assertRefused(Map.of("insights.config.INSIGHTS_CONTEXT_PACK_LEAD_CONCURRENCY", 9),
                "INSIGHTS_CONTEXT_PACK_LEAD_CONCURRENCY", "maximum");
        assertThatNoException().isThrownBy(() -> Chart.render(
                Map.of("insights.config.INSIGHTS_CONTEXT_PACK_LEAD_CONCURRENCY", 8)));
    }

    @Test
    void aConnectionBudgetTooSmallForTheReplicasIsRefusedNamingTheNumbers() {
        assertRefused(Map.of("database.maxConnections", 100),
                "webhook 3 pods x pool 10 + jobs 3 pods x pool 10 + insights 3 pods x pool 10 + integrations 3 pods x pool 10",
                "120 connections do not fit database.maxConnections 100");
        // The autoscaler's maximum counts, not its minimum.
        assertRefused(Map.of("webhook.autoscaling.enabled", true, "webhook.autoscaling.maxReplicas", 12),
                "webhook 13 pods x pool 10", "220 connections do not fit database.maxConnections 200");
    }

    @Test
    void behindPgBouncerBothItsClientAndServerBudgetsAreChecked() {
        assertRefusedInProduction(Map.of("pgbouncer.maxClientConn", 299),
                "300 client connections do not fit pgbouncer.maxClientConn 299");
        assertRefusedInProduction(Map.of("database.maxConnections", 149),
                "(defaultPoolSize 40 + reservePoolSize 10) = 150 server connections do not fit database.maxConnections 149");
        assertThatNoException().isThrownBy(() -> Chart.render(Chart.PRODUCTION));
    }

    @Test
    void hikariLifetimesAtOrAbovePgBouncersIdleTimeoutAreRefused() {
        assertRefusedInProduction(Map.of("database.hikari.maxLifetimeMs", 600000),
                "must stay below pgbouncer.clientIdleTimeoutSeconds (600s)");
    }

    @Test
    void probesNoLongerThanTheReadinessDatabaseTimeoutAreRefused() {
        assertRefused(Map.of("jobs.probes.timeoutSeconds", 2),
                "jobs.probes.timeoutSeconds (2s) must exceed DATABASE_READINESS_TIMEOUT (2s)");
    }

    @Test
    void aReadApiBulkheadAsLargeAsThePoolIsRefused() {
        assertRefused(Map.of("webhook.config.WEBHOOK_READ_MAX_CONCURRENT", 10),
                "webhook: WEBHOOK_READ_MAX_CONCURRENT (10) must stay below DATABASE_POOL_MAX_SIZE (10)");
        assertRefused(Map.of("config.DATABASE_POOL_MAX_SIZE", 6),
                "webhook: WEBHOOK_READ_MAX_CONCURRENT (6) must stay below DATABASE_POOL_MAX_SIZE (6)");
        assertThatNoException().isThrownBy(() -> Chart.render(Map.of("webhook.config.WEBHOOK_READ_MAX_CONCURRENT", 9)));
    }

    @Test
    void aGracePeriodNotAboveTheShutdownGraceIsRefused() {
        assertRefused(Map.of("jobs.terminationGracePeriodSeconds", 15),
                "jobs.terminationGracePeriodSeconds (15) must exceed preStopSleepSeconds (5) plus the service's shutdown grace (10000ms)");
    }

    @Test
    void aCronDeadlineReachingTheScheduleIntervalIsRefused() {
        assertRefused(Map.of("cronJobs.jobs.insightsContextPacks.budgetSeconds", 52),
                "cronJobs.jobs.insightsContextPacks: budgetSeconds 52 + deadlineMarginSeconds 8 = 60s must stay below its schedule's interval (60s");
    }

    @Test
    void aDisruptionBudgetNoEvictionCanMeetIsRefused() {
        assertRefused(Map.of("webhook.replicas", 1),
                "webhook.pdb.minAvailable (1) must be below its 1 replicas");
        assertThatNoException().isThrownBy(() -> Chart.render(Map.of("webhook.replicas", 1, "webhook.pdb.minAvailable", 0)));
        assertRefused(Map.of("jobs.autoscaling.enabled", true, "jobs.autoscaling.minReplicas", 7),
                "jobs.autoscaling.minReplicas (7) exceeds maxReplicas (6)");
    }

    @Test
    void secretsAndChartWiredVariablesAreRefusedInConfig() {
        assertRefused(Map.of("config.WEBHOOK_ADMIN_TOKEN", "s3cret"), "WEBHOOK_ADMIN_TOKEN");
        assertRefused(Map.of("jobs.config.WEBHOOK_SERVICE_URL", "http://elsewhere"), "WEBHOOK_SERVICE_URL");
        assertRefused(Map.of("config.DATABASE_PGBOUNCER", true), "DATABASE_PGBOUNCER");
    }

    @Test
    void aMistypedValueIsRefused() {
        assertRefused(Map.of("databse.maxConnections", 500), "databse");
        assertRefused(Map.of("webhook.replica", 3), "replica");
    }

    private static void assertRefused(Map<String, Object> sets, String... messageParts) {
        assertThatThrownBy(() -> Chart.render(sets)).hasMessageContainingAll(messageParts);
    }

    private static void assertRefusedInProduction(Map<String, Object> sets, String... messageParts) {
        assertThatThrownBy(() -> Chart.render(sets, Chart.PRODUCTION)).hasMessageContainingAll(messageParts);
    }
}
