package dev.ballast.insights.packs;

import dev.ballast.insights.packs.ContextPackApi.CreateRequest;
import dev.ballast.insights.packs.ContextPackApi.PackView;
import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.api.RequestValues;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /insights/context-packs} creates a pack (idempotent by {@code Idempotency-Key}: the same key and request
 * answer the same pack, the same key with another request is 409); {@code GET /insights/context-packs/{id}} shows it.
 * Bearer {@code INSIGHTS_SERVICE_TOKEN}; the pack's workspace comes in {@code X-Workspace-Id} on reads.
 */
@Controller("/insights/context-packs")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "context packs")
public class ContextPackController {

    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String WORKSPACE_HEADER = "X-Workspace-Id";
    private static final int MAX_KEY_CHARS = 200;
    private static final int MAX_QUESTION_CHARS = 4000;

    private final ContextPackStore store;
    private final ContextPackSettings settings;
    private final DbRetry db;

    ContextPackController(ContextPackStore store, ContextPackSettings settings, DbRetry db) {
        this.store = store;
        this.settings = settings;
        this.db = db;
    }

    @Post
    @Operation(summary = "Create a context pack over the given leads; the insights cron works it in steps")
    public HttpResponse<PackView> create(@Nullable @Header(IDEMPOTENCY_KEY) String idempotencyKey,
                                         @Body CreateRequest request) {
        ContextPackStore.NewPack pack = validated(request, idempotencyKey);
        ContextPackStore.Created created = store.create(db, pack);
        if (!created.sameRequest()) {
            throw ProblemException.conflict("idempotency_key_reused",
                    "this Idempotency-Key was used for another context pack request");
        }
        PackView view = PackView.of(store.view(db, pack.workspaceId(), created.id()));
        return (created.created() ? HttpResponse.<PackView>status(HttpStatus.CREATED) : HttpResponse.<PackView>ok())
                .body(view).headers(h -> h.location(URI.create("/insights/context-packs/" + created.id())));
    }

    @Get("/{id}")
    @Operation(summary = "A context pack: status, progress, per-lead insights, the synthesis and errors")
    public PackView show(String id, @Nullable @Header(WORKSPACE_HEADER) String workspaceId) {
        long packId = RequestValues.wholeNumber(id, 1, "invalid_id", "the pack id must be a positive whole number");
        UUID workspace = RequestValues.workspaceId(workspaceId);
        if (workspace == null) {
            throw ProblemException.badRequest("missing_workspace_id", "the X-Workspace-Id header is required");
        }
        ContextPackStore.PackRow row = store.view(db, workspace, packId);
        if (row == null) {
            throw ProblemException.notFound("context pack " + packId);
        }
        return PackView.of(row);
    }

    private ContextPackStore.NewPack validated(CreateRequest request, @Nullable String idempotencyKey) {
        if (request.workspaceId() == null) {
            throw invalid("workspaceId is required", "/workspaceId");
        }
        if (request.filter() != null && !request.filter().isNull()) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.UNPROCESSABLE_ENTITY, "filter_unsupported",
                    "a lead filter is not supported yet: name the leads in leadIds").withPointer("/filter"));
        }
        if (request.leadIds() == null || request.leadIds().isEmpty()) {
            throw invalid("leadIds must name at least one lead", "/leadIds");
        }
        if (request.leadIds().size() > settings.maxLeads()) {
            throw invalid("leadIds may name at most " + settings.maxLeads() + " leads", "/leadIds");
        }
        // A lead named twice is asked once.
        LinkedHashSet<Long> leads = new LinkedHashSet<>();
        for (Long lead : request.leadIds()) {
            if (lead == null || lead < 1) {
                throw invalid("every lead id must be a positive whole number", "/leadIds");
            }
            leads.add(lead);
        }
        String question = request.question() == null || request.question().isBlank() ? null : request.question().strip();
        if (question != null && question.length() > MAX_QUESTION_CHARS) {
            throw invalid("question may be at most " + MAX_QUESTION_CHARS + " characters", "/question");
        }
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.strip();
        if (key != null && key.length() > MAX_KEY_CHARS) {
            throw ProblemException.badRequest("invalid_idempotency_key",
                    "the Idempotency-Key may be at most " + MAX_KEY_CHARS + " characters");
        }
        List<Long> ids = new ArrayList<>(leads);
        String hash = HexFormat.of().formatHex(BearerTokenGuard.sha256(request.workspaceId() + "|" + ids + "|"
                + (question == null ? "" : question)));
        return new ContextPackStore.NewPack(request.workspaceId(), ids, question, key, hash);
    }

    private static ProblemException invalid(String detail, String pointer) {
        return new ProblemException(ProblemDetails.of(HttpStatus.BAD_REQUEST, "invalid_request", detail)
                .withPointer(pointer));
    }
}
