package dev.ballast.resilience.db;

import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.jdbc.DataSourceResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatementTimeoutTest {

    private TestDatabase db;

    @BeforeAll
    void createDatabase() {
        db = TestPostgres.freshDatabase();
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    @ParameterizedTest(name = "pgbouncer={0}")
    @ValueSource(booleans = {false, true})
    void aStatementPastTheTimeoutIsCancelledByPostgres(boolean pgbouncer) throws SQLException {
        try (ApplicationContext ctx = context(pgbouncer)) {
            DataSource pool = ctx.findBean(DataSourceResolver.class).orElse(DataSourceResolver.DEFAULT).resolve(ctx.getBean(DataSource.class));
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                SQLException timedOut = catchThrowableOfType(SQLException.class, () -> st.execute("SELECT pg_sleep(5)"));
                assertThat((Object) timedOut).as("pg_sleep(5) must not outlive a 1 s statement timeout").isNotNull();
                assertThat(timedOut.getSQLState()).isEqualTo("57014");
            }
        }
    }

    @ParameterizedTest(name = "pgbouncer={0}")
    @ValueSource(booleans = {false, true})
    void pgbouncerModeSendsNoSessionOptionsAndPreparesNothing(boolean pgbouncer) throws SQLException {
        try (ApplicationContext ctx = context(pgbouncer)) {
            DataSource pool = ctx.findBean(DataSourceResolver.class).orElse(DataSourceResolver.DEFAULT).resolve(ctx.getBean(DataSource.class));
            try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW statement_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(pgbouncer ? "0" : "1s");
                assertThat(c.unwrap(PGConnection.class).getPrepareThreshold()).isEqualTo(pgbouncer ? 0 : 5);
            }
        }
    }

    private ApplicationContext context(boolean pgbouncer) {
        Map<String, Object> props = new HashMap<>(db.datasourceProperties());
        props.put("datasources.default.maximum-pool-size", 2);
        props.put("ballast.db.statement-timeout", "1s");
        props.put("ballast.db.pgbouncer", pgbouncer);
        return ApplicationContext.run(props);
    }
}
