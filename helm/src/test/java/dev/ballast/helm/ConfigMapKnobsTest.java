package dev.ballast.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every knob a service reads (its application.yml and logback.xml, and docs/configuration.md, read when the test
 * runs) is in its ConfigMap with the service's own default, or comes from the Secret: a knob added to a service
 * without a line in values.yaml fails here.
 */
class ConfigMapKnobsTest {

    /** Set by the chart rather than by `config`: they name this release's Services, pooler and pools. */
    private static final Set<String> CHART_ONLY = Set.of("DATASOURCES_DEFAULT_MAX_LIFETIME",
            "DATASOURCES_DEFAULT_KEEPALIVE_TIME", "JAVA_TOOL_OPTIONS");

    private final Rendered defaults = Chart.render();

    @Test
    void everyKnobOfEveryServiceIsInItsConfigMapWithTheServicesDefault() {
        List<String> problems = new ArrayList<>();
        for (String service : Chart.services()) {
            Knobs knobs = Knobs.of(service);
            Map<String, String> config = defaults.configOf(service);
            for (String name : knobs.names()) {
                if (Knobs.secret(name)) {
                    continue;
                }
                String expected = name.endsWith("_SERVICE_URL") ? serviceUrl(name) : knobs.defaults().get(name);
                if (!config.containsKey(name)) {
                    problems.add(service + ": " + name + " (default '" + knobs.defaults().get(name)
                            + "') is missing: add it under " + service + ".config (or config) in values.yaml");
                } else if (expected != null && !expected.equals(config.get(name))) {
                    problems.add(service + ": " + name + " is '" + config.get(name) + "' but the service's default is '"
                            + expected + "'");
                }
            }
        }
        assertThat(problems).as("knobs missing from the chart or with another default").isEmpty();
    }

    @Test
    void everyConfigMapKeyIsAKnobOfItsService() {
        List<String> unknown = new ArrayList<>();
        for (String service : Chart.services()) {
            Set<String> names = Knobs.of(service).names();
            // The chart gives a service the URLs of the services the design has it call, read or not yet.
            Set<String> wired = new HashSet<>(CHART_ONLY);
            Chart.CALLS.get(service).forEach(callee -> wired.add(callee.toUpperCase() + "_SERVICE_URL"));
            defaults.configOf(service).keySet().stream()
                    .filter(key -> !names.contains(key) && !wired.contains(key))
                    .forEach(key -> unknown.add(service + ": " + key));
        }
        assertThat(unknown).as("ConfigMap keys no service reads (a typo in values.yaml?)").isEmpty();
    }

    @Test
    void secretKnobsComeFromTheSecretNeverFromAConfigMap() {
        for (Rendered rendered : List.of(defaults, Chart.render(Chart.PRODUCTION))) {
            boolean pgbouncer = rendered.configOf("webhook").get("DATABASE_PGBOUNCER").equals("true");
            for (String service : Chart.services()) {
                Map<String, String> config = rendered.configOf(service);
                Map<String, EnvVar> env = envOf(rendered.of(Deployment.class, service));
                for (String name : Knobs.of(service).names()) {
                    if (!Knobs.secret(name)) {
                        continue;
                    }
                    if (pgbouncer && name.equals("DATABASE_URL")) {
                        // The pooler's address, with no credentials in it.
                        assertThat(config.get(name)).doesNotContain("password").doesNotContain("@");
                        assertThat(env).doesNotContainKey(name);
                        continue;
                    }
                    assertThat(config).as("%s ConfigMap", service).doesNotContainKey(name);
                    assertThat(env).as("%s env", service).containsKey(name);
                    assertThat(env.get(name).getValueFrom().getSecretKeyRef()).as("%s %s", service, name).isNotNull();
                }
            }
        }
    }

    @Test
    void noSecretValueAppearsInAnyConfigMap() {
        Map<String, Object> sets = new LinkedHashMap<>();
        Map<String, String> planted = new HashMap<>();
        for (String service : Chart.services()) {
            Chart.valuesOf(service, "secretEnv").values().forEach(key -> {
                String value = "planted-" + key + "-" + Long.toHexString(key.hashCode() * 31L + 7);
                planted.put(String.valueOf(key), value);
                sets.put("secrets.values." + key, value);
            });
        }
        Rendered rendered = Chart.render(sets);

        Secret secret = rendered.all(Secret.class).getFirst();
        assertThat(secret.getStringData()).containsAllEntriesOf(planted);
        for (ConfigMap map : rendered.all(ConfigMap.class)) {
            for (String value : map.getData().values()) {
                assertThat(planted.values()).as("ConfigMap %s", map.getMetadata().getName())
                        .noneMatch(value::contains);
            }
        }
    }

    private static String serviceUrl(String name) {
        String callee = name.substring(0, name.indexOf("_SERVICE_URL")).toLowerCase();
        return "http://" + Chart.RELEASE + "-" + callee + ":" + Knobs.of(callee).defaults().get("SERVER_PORT");
    }

    static Map<String, EnvVar> envOf(Deployment deployment) {
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, EnvVar> env = new LinkedHashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e));
        return env;
    }
}
