package dev.ballast.helm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/** The manifests of one render, parsed into fabric8's model classes (kinds it has no class for stay generic). */
record Rendered(String text, List<HasMetadata> resources) {

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    static Rendered parse(String text) {
        List<HasMetadata> resources = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> docs = YAML.readerFor(Map.class).readValues(text)) {
            while (docs.hasNext()) {
                Map<String, Object> doc = docs.next();
                if (doc != null && !doc.isEmpty()) {
                    resources.add(YAML.convertValue(doc, HasMetadata.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Rendered(text, resources);
    }

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    List<GenericKubernetesResource> all(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(r -> r.getKind().equals(kind)).toList();
    }

    /** The resource of this kind for a component ({@code webhook}, {@code cron-insights-context-packs}, ...). */
    <T extends HasMetadata> T of(Class<T> kind, String component) {
        return all(kind).stream().filter(r -> component.equals(component(r))).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no " + kind.getSimpleName() + " for " + component));
    }

    static String component(HasMetadata resource) {
        Map<String, String> labels = resource.getMetadata().getLabels();
        return labels == null ? null : labels.get("app.kubernetes.io/component");
    }

    Map<String, String> configOf(String service) {
        return of(ConfigMap.class, service).getData();
    }

    /** Every pod spec: Deployments' and CronJobs'. */
    Stream<PodSpec> podSpecs() {
        return Stream.concat(all(Deployment.class).stream().map(d -> d.getSpec().getTemplate().getSpec()),
                all(CronJob.class).stream().map(c -> c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec()));
    }

    Stream<Container> containers() {
        return podSpecs().flatMap(p -> p.getContainers().stream());
    }
}
