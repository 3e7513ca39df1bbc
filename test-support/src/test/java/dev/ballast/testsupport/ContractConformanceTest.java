package dev.ballast.testsupport;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.serde.annotation.Serdeable;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContractConformanceTest {

    interface ItemOperations {

        @Get("/items/{id}{?full}")
        @Nullable
        Item item(long id, @Header("X-Workspace-Id") String workspaceId, @Nullable @QueryValue Boolean full);

        @Post("/items")
        HttpResponse<Item> create(@Header("Idempotency-Key") String key, @Body List<NewItem> items);
    }

    @Serdeable
    record Item(long id, UUID workspaceId, String name, @Nullable String note, List<Tag> tags) {
    }

    @Serdeable
    record Tag(String label) {
    }

    @Serdeable
    record NewItem(String name, @Nullable Integer priority) {
    }

    @Controller
    abstract static class ItemController implements ItemOperations {
    }

    @Controller("/v1")
    abstract static class PrefixedItemController implements ItemOperations {
    }

    @Controller
    abstract static class UnrelatedController {
    }

    /** What the OpenAPI processor writes for {@link ItemController}, in its shape ($refs, allOf, required lists). */
    private static final String DOCUMENT = """
            openapi: 3.0.1
            paths:
              /items/{id}:
                get:
                  operationId: item
                  parameters:
                  - name: id
                    in: path
                    required: true
                    schema: {type: integer, format: int64}
                  - name: X-Workspace-Id
                    in: header
                    required: true
                    schema: {type: string}
                  - name: full
                    in: query
                    schema: {type: boolean, nullable: true}
                  responses:
                    "200":
                      description: item 200 response
                      content:
                        application/json:
                          schema: {$ref: '#/components/schemas/Item'}
              /items:
                post:
                  operationId: create
                  parameters:
                  - name: Idempotency-Key
                    in: header
                    required: true
                    schema: {type: string}
                  requestBody:
                    required: true
                    content:
                      application/json:
                        schema:
                          type: array
                          items: {$ref: '#/components/schemas/NewItem'}
                  responses:
                    "201":
                      description: create 201 response
                      content:
                        application/json:
                          schema: {allOf: [{$ref: '#/components/schemas/Item'}], nullable: true}
            components:
              schemas:
                Item:
                  required: [id, name, tags, workspaceId]
                  type: object
                  properties:
                    id: {type: integer, format: int64}
                    workspaceId: {type: string, format: uuid}
                    name: {type: string}
                    note: {type: string, nullable: true}
                    tags:
                      type: array
                      items: {$ref: '#/components/schemas/Tag'}
                Tag:
                  required: [label]
                  type: object
                  properties:
                    label: {type: string}
                NewItem:
                  required: [name]
                  type: object
                  properties:
                    name: {type: string}
                    priority: {type: integer, format: int32, nullable: true}
            """;

    @Test
    void aDocumentThatShowsTheContractHasNoDifferences() {
        assertThat(differences(DOCUMENT)).isEmpty();
        ContractConformance.ofYaml("items.yml", DOCUMENT)
                .assertImplementedAsDocumented(ItemOperations.class, ItemController.class);
    }

    @Test
    void anOperationUnderAnotherPathIsMissing() {
        assertThat(differences(DOCUMENT.replace("/items/{id}:", "/other/items/{id}:")))
                .containsExactly("ItemOperations.item: GET /items/{id} is not in the document");
    }

    @Test
    void anOperationUnderAnotherMethodIsMissing() {
        assertThat(differences(DOCUMENT.replace("    post:", "    put:")))
                .containsExactly("ItemOperations.create: POST /items is not in the document");
    }

    @Test
    void aRenamedHeaderIsADifference() {
        assertThat(differences(DOCUMENT.replace("name: X-Workspace-Id", "name: X-Tenant-Id")))
                .singleElement().asString()
                .contains("parameters [header X-Tenant-Id, path id, query full] documented")
                .contains("the contract has [header X-Workspace-Id, path id, query full]");
    }

    @Test
    void aParameterOfAnotherTypeIsADifference() {
        assertThat(differences(DOCUMENT.replace("schema: {type: boolean, nullable: true}", "schema: {type: string}")))
                .containsExactly("ItemOperations.item: GET /items/{id}: query full: documented as string, "
                        + "the contract's type is boolean");
    }

    @Test
    void aRenamedBodyPropertyIsADifference() {
        assertThat(differences(DOCUMENT.replace("    priority: {type: integer", "    rank: {type: integer")))
                .singleElement().asString()
                .contains("request body (application/json)[]: NewItem documented with properties [name, rank]");
    }

    @Test
    void aPropertyOfAnotherTypeDeepInsideTheAnswerIsADifference() {
        assertThat(differences(DOCUMENT.replace("    label: {type: string}", "    label: {type: integer}")))
                .contains("ItemOperations.item: GET /items/{id}: answer (application/json).tags[].label: "
                        + "documented as integer, the contract's type is string");
    }

    @Test
    void aPropertyThatBecameOptionalIsADifference() {
        assertThat(differences(DOCUMENT.replace("required: [id, name, tags, workspaceId]", "required: [id, name, tags]")))
                .anySatisfy(d -> assertThat(d).contains("Item documented as requiring [id, name, tags], "
                        + "the contract requires [id, name, tags, workspaceId]"));
    }

    @Test
    void aSingleBodyWhereTheContractTakesAListIsADifference() {
        String single = DOCUMENT.replace("type: array\n              items: {$ref: '#/components/schemas/NewItem'}",
                "$ref: '#/components/schemas/NewItem'");
        assertThat(single).isNotEqualTo(DOCUMENT);
        assertThat(differences(single))
                .containsExactly("ItemOperations.create: POST /items: request body (application/json): "
                        + "documented as object, the contract's type is array");
    }

    @Test
    void aControllerThatMountsTheContractUnderABasePathIsADifference() {
        String mounted = DOCUMENT.replace("  /items", "  /v1/items");
        assertThat(ContractConformance.ofYaml("items.yml", mounted)
                .differences(ItemOperations.class, PrefixedItemController.class))
                .containsExactly("PrefixedItemController mounts the contract under /v1, but callers call the "
                                + "contract's paths as they stand",
                        "ItemOperations.create: POST /items is not in the document",
                        "ItemOperations.item: GET /items/{id} is not in the document");
    }

    @Test
    void aControllerThatDoesNotImplementTheContractIsADifference() {
        assertThat(ContractConformance.ofYaml("items.yml", DOCUMENT)
                .differences(ItemOperations.class, UnrelatedController.class))
                .contains(UnrelatedController.class.getName() + " does not implement " + ItemOperations.class.getName());
    }

    @Test
    void theAssertionListsEveryDifference() {
        String drifted = DOCUMENT.replace("/items:", "/v1/things:").replace("name: X-Workspace-Id", "name: X-Other");
        assertThatThrownBy(() -> ContractConformance.ofYaml("items.yml", drifted)
                .assertImplementedAsDocumented(ItemOperations.class, ItemController.class))
                .hasMessageContaining("POST /items is not in the document")
                .hasMessageContaining("header X-Other");
    }

    private static List<String> differences(String document) {
        return ContractConformance.ofYaml("items.yml", document).differences(ItemOperations.class, ItemController.class);
    }
}
