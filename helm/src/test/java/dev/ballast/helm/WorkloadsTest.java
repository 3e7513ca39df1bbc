package dev.ballast.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Probes, resources, security, shutdown, scaling and labels of every workload, with default and production values. */
class WorkloadsTest {

    static Stream<Arguments> renders() {
        return Stream.of(Arguments.of("default values", Chart.render()),
                Arguments.of("production values", Chart.render(Chart.PRODUCTION)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void everyServiceContainerProbesTheManagementEndpointsWithMoreTimeThanTheReadinessDatabaseTimeout(String name,
            Rendered rendered) {
        for (String service : Chart.services()) {
            Container container = container(rendered.of(Deployment.class, service));
            long readinessMs = Durations.millis(rendered.configOf(service).get("DATABASE_READINESS_TIMEOUT"));
            assertThat(path(container.getReadinessProbe())).isEqualTo("/health/readiness");
            assertThat(path(container.getLivenessProbe())).isEqualTo("/health/liveness");
            assertThat(path(container.getStartupProbe())).isEqualTo("/health/liveness");
            for (Probe probe : List.of(container.getReadinessProbe(), container.getLivenessProbe())) {
                assertThat(probe.getTimeoutSeconds() * 1000L).as(service).isGreaterThan(readinessMs);
            }
            assertThat(container.getPorts()).anyMatch(p -> p.getName().equals("http")
                    && p.getContainerPort().toString().equals(rendered.configOf(service).get("SERVER_PORT")));
        }
        rendered.all(Deployment.class).forEach(d -> {
            Container c = container(d);
            assertThat(c.getReadinessProbe()).as(d.getMetadata().getName()).isNotNull();
            assertThat(c.getLivenessProbe()).as(d.getMetadata().getName()).isNotNull();
            assertThat(c.getStartupProbe()).as(d.getMetadata().getName()).isNotNull();
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void everyContainerHasResourcesAndRunsLockedDown(String name, Rendered rendered) {
        List<PodSpec> pods = rendered.podSpecs().toList();
        assertThat(pods).hasSizeGreaterThanOrEqualTo(7);
        for (PodSpec pod : pods) {
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            assertThat(pod.getVolumes()).anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null);
            for (Container c : pod.getContainers()) {
                String who = c.getName() + " (" + c.getImage() + ")";
                assertThat(c.getResources().getRequests()).as(who).containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as(who).containsKeys("cpu", "memory");
                assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(who).isTrue();
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(who).isFalse();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(who).containsExactly("ALL");
                assertThat(c.getVolumeMounts()).as(who).anyMatch(m -> m.getMountPath().equals("/tmp"));
            }
        }
        rendered.all(ServiceAccount.class).forEach(sa -> assertThat(sa.getAutomountServiceAccountToken()).isFalse());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void podsGetMoreTimeToStopThanThePreStopPauseAndTheServicesOwnShutdownGrace(String name, Rendered rendered) {
        for (String service : Chart.services()) {
            PodSpec pod = rendered.of(Deployment.class, service).getSpec().getTemplate().getSpec();
            long preStopMs = container(rendered.of(Deployment.class, service)).getLifecycle().getPreStop().getSleep()
                    .getSeconds() * 1000L;
            long graceMs = rendered.configOf(service).entrySet().stream()
                    .filter(e -> e.getKey().endsWith("_SHUTDOWN_GRACE"))
                    .mapToLong(e -> Durations.millis(e.getValue())).max().orElse(0);
            assertThat(pod.getTerminationGracePeriodSeconds() * 1000L).as(service)
                    .isGreaterThan(preStopMs + graceMs);
        }
        assertThat(rendered.configOf("jobs")).containsKey("JOBS_SHUTDOWN_GRACE");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void anAutoscaledDeploymentLeavesReplicasToItsAutoscaler(String name, Rendered rendered) {
        for (String service : Chart.services()) {
            Deployment deployment = rendered.of(Deployment.class, service);
            List<HorizontalPodAutoscaler> hpas = rendered.all(HorizontalPodAutoscaler.class).stream()
                    .filter(h -> service.equals(Rendered.component(h))).toList();
            if (hpas.isEmpty()) {
                assertThat(deployment.getSpec().getReplicas()).as(service).isNotNull();
            } else {
                assertThat(deployment.getSpec().getReplicas()).as(service).isNull();
                HorizontalPodAutoscaler hpa = hpas.getFirst();
                assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
                assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
                assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThanOrEqualTo(hpa.getSpec().getMinReplicas());
            }
            assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
                    .isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void labelsAndSelectorsMatch(String name, Rendered rendered) {
        for (HasMetadata resource : rendered.resources()) {
            assertThat(resource.getMetadata().getLabels()).as(resource.getKind() + " " + resource.getMetadata().getName())
                    .containsKeys("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
                            "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of",
                            "helm.sh/chart");
        }
        List<Deployment> deployments = rendered.all(Deployment.class);
        for (Deployment deployment : deployments) {
            Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
            assertThat(podLabels).containsAllEntriesOf(selector);
            String component = Rendered.component(deployment);
            assertThat(selector).containsEntry("app.kubernetes.io/component", component);
            // The Service and the PDB of a component select its pods and no other Deployment's.
            Service service = rendered.of(Service.class, component);
            PodDisruptionBudget pdb = rendered.of(PodDisruptionBudget.class, component);
            for (Map<String, String> sel : List.of(service.getSpec().getSelector(), pdb.getSpec().getSelector().getMatchLabels())) {
                assertThat(podLabels).containsAllEntriesOf(sel);
                deployments.stream().filter(other -> other != deployment).forEach(other -> assertThat(
                        other.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(sel.entrySet()))
                        .as("%s selects %s's pods too", component, Rendered.component(other)).isFalse());
            }
            assertThat(service.getSpec().getPorts()).anyMatch(p -> "http".equals(p.getTargetPort().getStrVal())
                    || "postgres".equals(p.getTargetPort().getStrVal()));
        }
        for (CronJob cron : rendered.all(CronJob.class)) {
            assertThat(cron.getSpec().getJobTemplate().getSpec().getTemplate().getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/component", Rendered.component(cron));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void imagesAreTheFourServiceImagesOfOneTag(String name, Rendered rendered) {
        String tags = rendered.all(Deployment.class).stream().filter(d -> Chart.services().contains(Rendered.component(d)))
                .map(d -> container(d).getImage()).map(i -> i.substring(i.lastIndexOf(':') + 1)).distinct()
                .reduce("", (a, b) -> a.isEmpty() ? b : a + "," + b);
        assertThat(tags).doesNotContain(",").isNotEmpty();
        for (String service : Chart.services()) {
            assertThat(container(rendered.of(Deployment.class, service)).getImage()).contains("/" + service + "-service:");
        }
    }

    private static Container container(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    private static String path(Probe probe) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        return probe.getHttpGet().getPath();
    }
}
