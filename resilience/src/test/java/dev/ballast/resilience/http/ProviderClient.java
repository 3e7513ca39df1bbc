package dev.ballast.resilience.http;

import io.micronaut.core.async.annotation.SingleResult;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;
import org.reactivestreams.Publisher;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A declarative client the policy tests point at WireMock through {@code micronaut.http.services.provider.url}. */
@Client(id = "provider")
interface ProviderClient {

    @Get("/items/{id}")
    String item(String id);

    @Get("/items/{id}")
    CompletableFuture<String> itemAsync(String id);

    @Get("/items/{id}")
    @SingleResult
    Publisher<String> itemPublisher(String id);

    @Post("/items")
    String create(@Body Map<String, String> item);

    @Post("/items")
    String createWithKey(@Header("Idempotency-Key") String idempotencyKey, @Body Map<String, String> item);

    @Post("/stamped")
    String createStamped(@Body Map<String, String> item);

    @SideEffectFree
    @Post("/search")
    String search(@Body Map<String, String> query);
}
