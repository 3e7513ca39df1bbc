package dev.ballast.helm;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Monitoring on: a ServiceMonitor on /prometheus of the four Services and the four alerts, on metrics the code emits. */
class MonitoringTest {

    private final Rendered production = Chart.render(Chart.PRODUCTION);

    @Test
    void nothingOfPrometheusIsRenderedWhileMonitoringIsOff() {
        Rendered defaults = Chart.render();
        assertThat(defaults.all("ServiceMonitor")).isEmpty();
        assertThat(defaults.all("PrometheusRule")).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theServiceMonitorScrapesEveryServicesPrometheusEndpoint() {
        GenericKubernetesResource monitor = production.all("ServiceMonitor").getFirst();
        Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
        Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).getFirst();
        assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/prometheus");
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        Map<String, Object> selector = (Map<String, Object>) spec.get("selector");
        List<Map<String, Object>> expressions = (List<Map<String, Object>>) selector.get("matchExpressions");
        assertThat((List<String>) expressions.getFirst().get("values"))
                .containsExactlyInAnyOrderElementsOf(Chart.services());
        for (String service : Chart.services()) {
            Service svc = production.of(Service.class, service);
            assertThat(svc.getMetadata().getLabels()).containsAllEntriesOf((Map<String, String>) selector.get("matchLabels"));
            assertThat(svc.getSpec().getPorts()).anyMatch(p -> p.getName().equals("http"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRulesAlertOnPoolUtilisationOutboxAgeDeadJobsAndDisconnectedIntegrations() throws IOException {
        GenericKubernetesResource rule = production.all("PrometheusRule").getFirst();
        Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
        List<Map<String, Object>> rules = (List<Map<String, Object>>) ((List<Map<String, Object>>) spec.get("groups"))
                .getFirst().get("rules");
        Map<String, String> exprs = new TreeMap<>();
        rules.forEach(r -> exprs.put((String) r.get("alert"), (String) r.get("expr")));

        assertThat(exprs).containsOnlyKeys("BallastDatabasePoolSaturated", "BallastOutboxStuck", "BallastJobsDead",
                "BallastIntegrationDisconnected");
        assertThat(exprs.get("BallastDatabasePoolSaturated")).contains("hikaricp_connections_active")
                .contains("hikaricp_connections_max").contains("> 0.8");
        assertThat(exprs.get("BallastOutboxStuck")).contains("ballast_outbox_oldest_age_seconds");
        assertThat(exprs.get("BallastJobsDead")).contains("ballast_jobs_dead_total");
        assertThat(exprs.get("BallastIntegrationDisconnected")).contains("DISCONNECTED");
        // The alerts follow meters the services really register (Micrometer's Prometheus names).
        assertThat(sources("webhook-service")).contains("\"ballast.outbox.oldest.age\"").contains("baseUnit(\"seconds\")");
        assertThat(sources("jobs-service")).contains("\"ballast.jobs.dead\"");
        assertThat(exprs.get("BallastIntegrationDisconnected")).contains("ballast_integrations_health_state");
        assertThat(sources("integrations-service")).contains("\"ballast.integrations.health.state\"");
    }

    private static String sources(String module) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(Chart.REPO.resolve(module).resolve("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                all.append(Files.readString(file));
            }
        }
        return all.toString();
    }
}
