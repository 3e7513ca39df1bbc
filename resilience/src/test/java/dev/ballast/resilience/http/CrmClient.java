package dev.ballast.resilience.http;

import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.annotation.Client;

import java.util.concurrent.CompletableFuture;

/** A provider client whose breakers are keyed by the calling workspace. */
@Client(id = "crm")
interface CrmClient {

    @Get("/accounts/{id}")
    String account(String id);

    @Get("/accounts/{id}")
    CompletableFuture<String> accountAsync(String id);
}
