package dev.ballast.resilience.http;

import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.annotation.Client;

/** A second client on the same WireMock, with a short cap, to show a long Retry-After is capped. */
@Client(id = "capped")
interface CappedClient {

    @Get("/items/{id}")
    String item(String id);
}
