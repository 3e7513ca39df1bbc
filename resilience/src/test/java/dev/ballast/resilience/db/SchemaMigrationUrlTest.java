package dev.ballast.resilience.db;

import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Behind PgBouncer in transaction mode a migration's session settings (Flyway's search_path) would land on whatever
 * server connection the pooler picked: with {@code ballast.db.migration-url} Flyway migrates through that direct URL
 * with the pool's credentials, whatever the pool's own URL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchemaMigrationUrlTest {

    /** Nothing listens here: the pool's URL never answers, so only the migration URL can migrate. */
    private static final String DEAD_POOL_URL = "jdbc:postgresql://127.0.0.1:9/nowhere";

    private TestDatabase db;

    @BeforeAll
    void createDatabase() {
        db = TestPostgres.freshDatabase();
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    @Test
    void migratesThroughTheMigrationUrlWhileThePoolsUrlIsUnreachable() {
        try (ApplicationContext ctx = context(db.jdbcUrl())) {
            SchemaMigrator migrator = ctx.getBean(SchemaMigrator.class);
            await().atMost(Duration.ofSeconds(20)).until(migrator::migrated);
            assertThat(db.query("SELECT count(*) AS n FROM information_schema.tables "
                    + "WHERE table_schema = 'via_direct' AND table_name = 'flyway_schema_history'"))
                    .first().extracting(row -> ((Number) row.get("n")).intValue()).isEqualTo(1);
        }
    }

    @Test
    void withoutAMigrationUrlItMigratesThroughThePoolAndWaitsForIt() {
        try (ApplicationContext ctx = context("")) {
            SchemaMigrator migrator = ctx.getBean(SchemaMigrator.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> migrator.lastFailure().startsWith("TRANSIENT"));
            assertThat(migrator.migrated()).as("the pool's URL answers nothing").isFalse();
        }
    }

    private ApplicationContext context(String migrationUrl) {
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(DEAD_POOL_URL));
        props.put("datasources.default.maximum-pool-size", 1);
        // As the services do: start without a database.
        props.put("datasources.default.initialization-fail-timeout", -1);
        props.put("datasources.default.connection-timeout", 500);
        props.put("ballast.db.schema", "via_direct");
        props.put("ballast.db.migration-url", migrationUrl);
        props.put("ballast.db.migration-retry-base", "50ms");
        props.put("ballast.db.migration-retry-cap", "200ms");
        return ApplicationContext.run(props);
    }
}
