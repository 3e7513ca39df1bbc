package dev.ballast.resilience.http;

import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;

import java.util.Map;

/** A client pointed at a port nobody listens on. */
@Client(id = "offline")
interface OfflineClient {

    @Get("/items/{id}")
    String item(String id);

    @Post("/items")
    String create(@Body Map<String, String> item);
}
