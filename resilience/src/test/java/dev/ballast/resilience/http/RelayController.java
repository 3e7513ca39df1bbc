package dev.ballast.resilience.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.annotation.SingleResult;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.reactivestreams.Publisher;

/** A service endpoint that needs a provider call to answer: the inbound request the outbound call serves. */
@Controller("/relay")
@Requires(property = "test.relay.enabled", value = "true")
class RelayController {

    private final ProviderClient provider;

    RelayController(ProviderClient provider) {
        this.provider = provider;
    }

    /** Reactive: the outbound call lives exactly as long as the inbound request's subscription. */
    @Get("/reactive/{id}")
    @SingleResult
    Publisher<String> reactive(String id) {
        return provider.itemPublisher(id);
    }

    /** Blocking: reports how the outbound call ended. */
    @Get("/blocking/{id}")
    @ExecuteOn(TaskExecutors.BLOCKING)
    String blocking(String id) {
        try {
            return "ok:" + provider.item(id);
        } catch (HttpClientException e) {
            return "aborted:" + AbortClassifier.classify(e);
        }
    }
}
