package dev.ballast.helm;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every pod is isolated both ways, and allowed exactly the paths of docs/architecture.md: who calls whom, the
 * CronJobs to the service they call, the database (or PgBouncer), DNS, Prometheus when monitoring is on, and the
 * internet for integrations-service alone.
 */
class NetworkPoliciesTest {

    private static final Map<String, String> CRON_CALLS = Map.of(
            "cron-insights-context-packs", "insights", "cron-insights-booked-summaries", "insights",
            "cron-integrations-health-check", "integrations", "cron-jobs-tick", "jobs");

    @Test
    void defaultValuesAllowExactlyTheDesignedPaths() {
        assertExactPaths(Chart.render(), false, false);
    }

    @Test
    void productionValuesAllowExactlyTheDesignedPathsThroughPgBouncerAndToPrometheus() {
        assertExactPaths(Chart.render(Chart.PRODUCTION), true, true);
    }

    private static void assertExactPaths(Rendered rendered, boolean pgbouncer, boolean monitoring) {
        Set<String> crons = new HashSet<>(rendered.all(CronJob.class).stream().map(Rendered::component).toList());
        for (String service : Chart.services()) {
            NetworkPolicy policy = rendered.of(NetworkPolicy.class, service);
            assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
            assertThat(policy.getSpec().getPodSelector().getMatchLabels())
                    .isEqualTo(rendered.of(Deployment.class, service).getSpec().getSelector().getMatchLabels());

            Set<String> expectedCallers = new TreeSet<>();
            Chart.CALLS.forEach((caller, callees) -> {
                if (callees.contains(service)) {
                    expectedCallers.add(caller);
                }
            });
            CRON_CALLS.forEach((cron, callee) -> {
                if (callee.equals(service) && crons.contains(cron)) {
                    expectedCallers.add(cron);
                }
            });
            Set<String> callers = new TreeSet<>();
            int open = 0;
            int prometheus = 0;
            for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
                assertThat(rule.getPorts()).extracting(p -> p.getPort().getStrVal()).containsExactly("http");
                if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
                    open++;
                    continue;
                }
                for (NetworkPolicyPeer peer : rule.getFrom()) {
                    if (peer.getNamespaceSelector() != null && peer.getPodSelector() != null
                            && peer.getPodSelector().getMatchLabels().containsKey("app.kubernetes.io/name")
                            && "prometheus".equals(peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))) {
                        prometheus++;
                    } else if (peer.getNamespaceSelector() != null && peer.getPodSelector() == null) {
                        assertThat(service).as("namespace-wide ingress").isEqualTo("webhook");
                        open++;
                    } else {
                        callers.add(component(peer));
                    }
                }
            }
            assertThat(callers).as(service + " is called by").isEqualTo(expectedCallers);
            // Providers' webhooks reach webhook-service alone, through the ingress controller.
            assertThat(open).as(service + " public ingress").isEqualTo(service.equals("webhook") ? 1 : 0);
            assertThat(prometheus).as(service + " scraped by Prometheus").isEqualTo(monitoring ? 1 : 0);

            Set<String> callees = new TreeSet<>();
            boolean database = false;
            boolean internet = false;
            boolean dns = false;
            for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
                List<Integer> ports = rule.getPorts().stream().map(NetworkPolicyPort::getPort)
                        .map(p -> p.getIntVal()).toList();
                for (NetworkPolicyPeer peer : rule.getTo()) {
                    if (peer.getIpBlock() != null) {
                        if (ports.equals(List.of(443))) {
                            internet = true;
                            assertThat(peer.getIpBlock().getExcept()).contains("10.0.0.0/8", "169.254.0.0/16");
                        } else {
                            // Directly (with PgBouncer on: for migrations only, DATABASE_MIGRATION_URL).
                            assertThat(ports).containsExactly(5432);
                            database = true;
                        }
                    } else if (peer.getNamespaceSelector() != null) {
                        assertThat(ports).containsExactly(53, 53);
                        dns = true;
                    } else if ("pgbouncer".equals(component(peer))) {
                        assertThat(pgbouncer).isTrue();
                        database = true;
                    } else {
                        callees.add(component(peer));
                        assertThat(ports).containsExactly(Integer.parseInt(rendered.configOf(component(peer))
                                .get("SERVER_PORT")));
                    }
                }
            }
            assertThat(callees).as(service + " calls").isEqualTo(new TreeSet<>(Chart.CALLS.get(service)));
            assertThat(database).as(service + " reaches the database").isTrue();
            assertThat(dns).as(service + " resolves names").isTrue();
            assertThat(internet).as(service + " reaches the internet").isEqualTo(service.equals("integrations"));
        }
        for (String cron : crons) {
            NetworkPolicy policy = rendered.of(NetworkPolicy.class, cron);
            assertThat(policy.getSpec().getIngress()).as(cron).isEmpty();
            Set<String> reached = new TreeSet<>();
            for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
                for (NetworkPolicyPeer peer : rule.getTo()) {
                    assertThat(peer.getIpBlock()).as(cron).isNull();
                    if (peer.getNamespaceSelector() == null) {
                        reached.add(component(peer));
                    }
                }
            }
            assertThat(reached).as(cron + " calls").containsExactly(CRON_CALLS.get(cron));
        }
        if (pgbouncer) {
            NetworkPolicy policy = rendered.of(NetworkPolicy.class, "pgbouncer");
            Set<String> clients = new TreeSet<>();
            policy.getSpec().getIngress().forEach(r -> r.getFrom().forEach(p -> clients.add(component(p))));
            assertThat(clients).isEqualTo(new TreeSet<>(Chart.services()));
        }
        // No pod is left unisolated.
        Set<String> isolated = new HashSet<>(rendered.all(NetworkPolicy.class).stream().map(Rendered::component).toList());
        assertThat(isolated).containsAll(rendered.all(Deployment.class).stream().map(Rendered::component).toList())
                .containsAll(crons);
    }

    private static String component(NetworkPolicyPeer peer) {
        assertThat(peer.getNamespaceSelector()).as("a same-namespace pod peer").isNull();
        Map<String, String> labels = peer.getPodSelector().getMatchLabels();
        assertThat(labels).containsEntry("app.kubernetes.io/instance", Chart.RELEASE);
        return labels.get("app.kubernetes.io/component");
    }
}
