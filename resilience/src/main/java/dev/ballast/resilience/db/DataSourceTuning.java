package dev.ballast.resilience.db;

import io.micronaut.configuration.jdbc.hikari.DatasourceConfiguration;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Applies the statement timeout, network timeout and PgBouncer settings to every pool before it is built: a
 * server-side statement_timeout on direct connections, a per-statement JDBC timeout behind PgBouncer, the driver's
 * socket timeout as the longest any read waits, and under the pool {@link DeadlineAwareDataSource}, which bounds
 * both by the deadline of the unit of work using a connection.
 */
final class DataSourceTuning {

    private static final Logger LOG = LoggerFactory.getLogger(DataSourceTuning.class);

    private DataSourceTuning() {
    }

    @Singleton
    static final class ConfigurationTuner implements BeanCreatedEventListener<DatasourceConfiguration> {

        private final DatabaseSettings settings;

        ConfigurationTuner(DatabaseSettings settings) {
            this.settings = settings;
        }

        @Override
        public DatasourceConfiguration onCreated(BeanCreatedEvent<DatasourceConfiguration> event) {
            DatasourceConfiguration config = event.getBean();
            if (!config.getDataSourceProperties().containsKey("socketTimeout")) {
                // Whole seconds, rounded up; it also bounds the login of a new connection to a hung server.
                config.addDataSourceProperty("socketTimeout",
                        Long.toString((settings.networkTimeout().toMillis() + 999) / 1000));
            }
            DataSource driver;
            if (settings.pgbouncer()) {
                // Transaction pooling shares server sessions: no named prepared statements, no startup options,
                // and the timeout goes on each statement (the driver's cancel request reaches the right backend).
                config.addDataSourceProperty("prepareThreshold", "0");
                driver = new QueryTimeoutDataSource(driverDataSource(config), settings.statementTimeout());
            } else {
                config.addDataSourceProperty("options", "-c statement_timeout=" + settings.statementTimeoutMillis());
                driver = driverDataSource(config);
            }
            config.setDataSource(new DeadlineAwareDataSource(driver, settings.statementTimeout()));
            LOG.info("datasource={} pool_max={} acquire_timeout_ms={} statement_timeout_ms={} network_timeout_s={} "
                            + "pgbouncer={}", config.getName(), config.getMaximumPoolSize(),
                    config.getConnectionTimeout(), settings.statementTimeoutMillis(),
                    config.getDataSourceProperties().getProperty("socketTimeout"), settings.pgbouncer());
            return config;
        }

        private static DataSource driverDataSource(DatasourceConfiguration config) {
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(config.getUrl());
            pg.setUser(config.getUsername());
            pg.setPassword(config.getPassword());
            try {
                for (String name : config.getDataSourceProperties().stringPropertyNames()) {
                    pg.setProperty(name, config.getDataSourceProperties().getProperty(name));
                }
            } catch (SQLException e) {
                throw new IllegalArgumentException("unknown PostgreSQL driver property: " + e.getMessage(), e);
            }
            return pg;
        }
    }
}
