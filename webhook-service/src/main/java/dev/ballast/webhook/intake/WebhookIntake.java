package dev.ballast.webhook.intake;

import dev.ballast.resilience.Causes;
import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.webhook.booking.Bookings;
import dev.ballast.resilience.db.StatementFailedException;
import dev.ballast.webhook.auth.AuthResult;
import dev.ballast.webhook.auth.WebhookAuthenticator;
import dev.ballast.webhook.deliverylog.DeliveryLog;
import dev.ballast.webhook.outbox.OutboxRelay;
import dev.ballast.resilience.api.ProblemDetails;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The webhook fast path, the same for every provider: size check, then in one transaction with a time
 * budget: authenticate, parse, check the provider workspace, store exactly once, log the delivery. When the
 * delivery cannot be stored (database unreachable, pool exhausted, budget spent) the provider is told to
 * deliver again; it never gets 200 for something not stored.
 */
@Singleton
public final class WebhookIntake {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookIntake.class);
    private static final int MAX_WEBHOOK_ID_LENGTH = 200;

    private final TransactionOperations<Connection> tx;
    private final WebhookAuthenticator authenticator;
    private final IntakeStore store;
    private final DeliveryLog deliveryLog;
    private final DeliveryJson deliveryJson;
    private final IntakeSettings settings;
    private final MeterRegistry meters;
    private final ExecutorService blocking;
    private final OutboxRelay outbox;
    private final Bookings bookings;
    /** Looked up once per (provider, outcome), both from fixed sets: a registry lookup per delivery costs CPU. */
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();

    WebhookIntake(TransactionOperations<Connection> tx, WebhookAuthenticator authenticator, IntakeStore store,
                  DeliveryLog deliveryLog, DeliveryJson deliveryJson, IntakeSettings settings, MeterRegistry meters,
                  @Named(TaskExecutors.BLOCKING) ExecutorService blocking, OutboxRelay outbox, Bookings bookings) {
        this.tx = tx;
        this.bookings = bookings;
        this.authenticator = authenticator;
        this.store = store;
        this.deliveryLog = deliveryLog;
        this.deliveryJson = deliveryJson;
        this.settings = settings;
        this.meters = meters;
        this.blocking = blocking;
        this.outbox = outbox;
    }

    /**
     * Reads the body (no further than the size limit) and runs {@link #receive} on the thread
     * {@code ballast.webhook.intake.on-event-loop} chooses: the event loop that
     * read the request (no hand-off to another thread and back: measured about a third less CPU per delivery), or
     * the blocking executor.
     */
    public CompletionStage<HttpResponse<?>> dispatch(ProviderEventReader reader, String workspacePath,
                                                     HttpRequest<?> request) {
        return BoundedBody.read(request, settings.maxBodyBytes())
                .thenCompose(body -> dispatch(reader, workspacePath, request, body));
    }

    private CompletionStage<HttpResponse<?>> dispatch(ProviderEventReader reader, String workspacePath,
                                                      HttpRequest<?> request, byte[] rawBody) {
        if (settings.onEventLoop()) {
            return CompletableFuture.completedFuture(receive(reader, workspacePath, request, rawBody));
        }
        return CompletableFuture.supplyAsync(() -> receive(reader, workspacePath, request, rawBody), blocking);
    }

    /** A delivery; its {@code ?token=} is read only when the authenticator needs it. */
    public HttpResponse<?> receive(ProviderEventReader reader, String workspacePath, HttpRequest<?> request,
                                   @Nullable byte[] rawBody) {
        long started = System.nanoTime();
        IntakeDeadline deadline = new IntakeDeadline(started, settings.timeBudget());
        byte[] body = rawBody == null ? new byte[0] : rawBody;
        Delivery delivery = new Delivery(reader, parseUuid(workspacePath), truncate(request.getHeaders().get(
                WebhookAuthenticator.WEBHOOK_ID)), body.length);

        if (body.length > settings.maxBodyBytes() || request.getContentLength() > settings.maxBodyBytes()) {
            Decision d = delivery.problem(HttpStatus.REQUEST_ENTITY_TOO_LARGE, DeliveryLog.TOO_LARGE, "body_too_large",
                    "the body exceeds " + settings.maxBodyBytes() + " bytes", null);
            deliveryLog.recordDetached(d.entry());
            return finish(d, started);
        }
        AtomicBoolean committing = new AtomicBoolean();
        AtomicReference<Decision> committed = new AtomicReference<>();
        // The first failure inside the transaction: what the rollback of a broken connection throws hides it.
        AtomicReference<Exception> cause = new AtomicReference<>();
        try {
            Decision d = tx.executeWrite(status -> {
                try {
                    Connection connection = status.getConnection();
                    long statementTimeoutMs = deadline.apply(connection, settings.statementTimeout());
                    Decision decision = decide(connection, statementTimeoutMs, delivery, request, body);
                    if (!decision.logged()) {
                        deliveryLog.record(decision.entry());
                    }
                    // Past the budget the provider may already have given up: roll back rather than store unanswered.
                    deadline.check();
                    committing.set(true);
                    status.registerSynchronization(new TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            committed.set(decision);
                            if (decision.logged()) {
                                // logged by the store with a new message, so with new outbox rows: relay them now
                                outbox.wake();
                            }
                        }
                    });
                    return decision;
                } catch (SQLException e) {
                    StatementFailedException unchecked = new StatementFailedException("webhook-intake", e);
                    cause.set(unchecked);
                    throw unchecked;
                } catch (Exception e) {
                    cause.set(e);
                    throw e;
                }
            });
            return finish(d, started);
        } catch (RuntimeException e) {
            if (committed.get() != null) {
                // Committed, then the connection broke while being handed back: the delivery is stored.
                LOG.warn("delivery stored, connection failed after commit: provider={} workspace={} error={}",
                        delivery.reader().provider().key(), delivery.workspaceId(), rootName(e));
                return finish(committed.get(), started);
            }
            return cannotStore(delivery, cause.get() != null ? cause.get() : e, committing.get(), started);
        }
    }

    private Decision decide(Connection connection, long statementTimeoutMs, Delivery delivery, HttpRequest<?> request,
                            byte[] body) throws SQLException {
        UUID workspaceId = delivery.workspaceId();
        Provider provider = delivery.reader().provider();
        // Workspace, live credentials and accepted provider accounts in one round trip, with the statement timeout.
        IntakeContext workspace = IntakeContext.load(connection, statementTimeoutMs, workspaceId, provider.key());
        // An unknown workspace is checked against no credentials, so that its refusal looks like any other.
        HttpHeaders headers = request.getHeaders();
        String queryToken = WebhookAuthenticator.readsQueryToken(headers) ? request.getParameters().get("token") : null;
        AuthResult auth = authenticator.authenticate(workspaceId == null ? new UUID(0, 0) : workspaceId,
                workspace.live(), headers, queryToken, body);
        if (auth.outcome() == AuthResult.Outcome.UNAVAILABLE) {
            throw new CannotAuthenticateException(auth.reason());
        }
        if (!workspace.exists() || auth.outcome() == AuthResult.Outcome.REFUSED) {
            String shown = "no_signing_secret".equals(auth.reason()) ? "signature_mismatch" : auth.reason();
            return delivery.problem(HttpStatus.UNAUTHORIZED, DeliveryLog.UNAUTHORIZED,
                    !workspace.exists() ? "unknown_workspace" : auth.reason(),
                    "the delivery is not authenticated for this workspace (" + shown + ")", null, shown);
        }
        if (!workspace.active()) {
            return delivery.problem(HttpStatus.FORBIDDEN, DeliveryLog.FORBIDDEN, "workspace_disabled",
                    "the workspace is disabled", null);
        }
        ParsedEvent event;
        try {
            event = delivery.reader().read(new Payload(deliveryJson.parseObject(body)), workspaceId);
        } catch (InvalidPayloadException e) {
            return delivery.problem(HttpStatus.BAD_REQUEST, DeliveryLog.INVALID, e.reason(), e.getMessage(), null)
                    .withPointer(e.pointer());
        }
        if (!workspace.accepted().contains(event.providerWorkspaceId())) {
            return delivery.problem(HttpStatus.FORBIDDEN, DeliveryLog.FORBIDDEN, "provider_workspace_not_accepted",
                    "this workspace does not accept deliveries from " + provider.key() + " workspace "
                            + event.providerWorkspaceId(), event.eventType());
        }
        return switch (event) {
            case ParsedEvent.Ignored ignored -> delivery.answer(DeliveryLog.IGNORED,
                    ignored.known() ? null : "unknown_event", ignored.eventType(),
                    new IntakeAnswer("ignored", null, ignored.eventType()), null);
            case ParsedEvent.Booking booking -> {
                Bookings.Recorded r = bookings.record(connection, workspaceId, booking.lead(), booking.appointmentId(),
                        booking.startsAt());
                String status = r.inserted() ? DeliveryLog.ACCEPTED : DeliveryLog.DUPLICATE;
                yield delivery.answer(status, null, booking.eventType(), new IntakeAnswer(status, null,
                        booking.eventType()), null);
            }
            case ParsedEvent.Storable storable -> {
                // The accepted row is written by the store with the message, in the same statement.
                DeliveryLog.Entry accepted = delivery.answer(DeliveryLog.ACCEPTED, null, storable.eventType(), null,
                        null).entry();
                StoreResult r = store.store(connection, workspaceId, provider, storable, accepted);
                String status = r.inserted() ? DeliveryLog.ACCEPTED : DeliveryLog.DUPLICATE;
                Decision d = delivery.answer(status, null, storable.eventType(),
                        new IntakeAnswer(status, r.messageId(), null), r.messageId());
                yield r.inserted() ? d.loggedAlready() : d;
            }
        };
    }

    private HttpResponse<?> cannotStore(Delivery delivery, Exception e, boolean inDoubt, long started) {
        String reason = reasonFor(e, inDoubt);
        if (inDoubt) {
            // The commit may have happened: the redelivery this answer asks for then comes back as a duplicate.
            meters.counter("webhook.intake.commit.in_doubt", "provider", delivery.reader().provider().key()).increment();
        }
        if ("store_failed".equals(reason)) {
            LOG.error("delivery not stored: provider={} workspace={} webhook_id={} sqlstate={}",
                    delivery.reader().provider().key(), delivery.workspaceId(), delivery.webhookId(),
                    DbFailureClassifier.sqlState(e), e);
        } else {
            LOG.warn("delivery not stored, redelivery requested: provider={} workspace={} webhook_id={} reason={} "
                            + "error={} sqlstate={}", delivery.reader().provider().key(), delivery.workspaceId(),
                    delivery.webhookId(), reason, rootName(e), DbFailureClassifier.sqlState(e));
        }
        HttpStatus status = delivery.reader().provider().redeliverStatus();
        Decision d = delivery.problem(status, DeliveryLog.UNAVAILABLE, reason,
                "the delivery was not stored; deliver it again later", null);
        deliveryLog.recordDetached(d.entry());
        return finish(d, started);
    }

    private static String reasonFor(Exception e, boolean inDoubt) {
        for (Throwable t : Causes.chain(e)) {
            if (t instanceof IntakeDeadline.BudgetSpentException) {
                return "time_budget_spent";
            }
            if (t instanceof CannotAuthenticateException c) {
                return c.getMessage();
            }
        }
        if (inDoubt) {
            return "commit_in_doubt";
        }
        if ("57014".equals(DbFailureClassifier.sqlState(e))) {
            return "time_budget_spent";
        }
        return switch (DbFailureClassifier.classify(e)) {
            case TRANSIENT, RETRY_TRANSACTION -> "database_unavailable";
            default -> "store_failed";
        };
    }

    private HttpResponse<?> finish(Decision d, long started) {
        timer(d.entry().provider(), d.entry().outcome()).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        String outcome = d.entry().outcome();
        // Refusals and unknown events are worth a line; stored and known-ignored deliveries (opens!) are too many.
        boolean routine = outcome.equals(DeliveryLog.ACCEPTED) || outcome.equals(DeliveryLog.DUPLICATE)
                || outcome.equals(DeliveryLog.UNAVAILABLE) || (outcome.equals(DeliveryLog.IGNORED) && d.entry().reason() == null);
        if (!routine || LOG.isDebugEnabled()) {
            String line = "delivery: provider={} workspace={} webhook_id={} outcome={} reason={} event={} message={}";
            Object[] args = {d.entry().provider(), d.entry().workspaceId(), d.entry().webhookId(), outcome,
                    d.entry().reason(), d.entry().eventType(), d.entry().messageId()};
            if (routine) {
                LOG.debug(line, args);
            } else {
                LOG.info(line, args);
            }
        }
        if (d.problem() != null) {
            var response = d.problem().toResponse();
            if (d.entry().outcome().equals(DeliveryLog.UNAVAILABLE)) {
                response.header(HttpHeaders.RETRY_AFTER, Long.toString(settings.retryAfterSeconds()));
            }
            return response;
        }
        return HttpResponse.ok(d.answer().json()).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    private Timer timer(String provider, String outcome) {
        return timers.computeIfAbsent(provider + '|' + outcome,
                k -> meters.timer("webhook.intake", "provider", provider, "outcome", outcome));
    }

    private static @Nullable UUID parseUuid(String s) {
        try {
            return s == null || s.length() != 36 ? null : UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable String truncate(@Nullable String s) {
        String clean = StoredText.nonBlank(s);
        return clean == null || clean.length() <= MAX_WEBHOOK_ID_LENGTH ? clean : clean.substring(0, MAX_WEBHOOK_ID_LENGTH);
    }

    private static String rootName(Throwable e) {
        return Causes.root(e).getClass().getSimpleName();
    }

    /** What is known of a delivery before its body is read. */
    private record Delivery(ProviderEventReader reader, @Nullable UUID workspaceId, @Nullable String webhookId,
                            int bodyBytes) {

        Decision problem(HttpStatus status, String outcome, String reason, String detail, @Nullable String eventType) {
            return problem(status, outcome, reason, detail, eventType, reason);
        }

        Decision problem(HttpStatus status, String outcome, String logReason, String detail,
                         @Nullable String eventType, String shownReason) {
            return new Decision(entry(outcome, logReason, status, eventType, null),
                    ProblemDetails.of(status, shownReason, detail), null, false);
        }

        Decision answer(String outcome, @Nullable String reason, String eventType, @Nullable IntakeAnswer answer,
                        @Nullable Long messageId) {
            return new Decision(entry(outcome, reason, HttpStatus.OK, eventType, messageId), null, answer, false);
        }

        private DeliveryLog.Entry entry(String outcome, @Nullable String reason, HttpStatus status,
                                        @Nullable String eventType, @Nullable Long messageId) {
            return new DeliveryLog.Entry(workspaceId, webhookId, reader.provider().key(), eventType, outcome, reason,
                    status.getCode(), bodyBytes, messageId);
        }
    }

    /** The answer to a delivery and its log row ({@code logged}: written already, with the stored message). */
    private record Decision(DeliveryLog.Entry entry, @Nullable ProblemDetails problem, @Nullable IntakeAnswer answer,
                            boolean logged) {

        Decision withPointer(String pointer) {
            return new Decision(entry, problem == null ? null : problem.withPointer(pointer), answer, logged);
        }

        Decision loggedAlready() {
            return new Decision(entry, problem, answer, true);
        }
    }

    /** Credentials exist but cannot be checked now (e.g. the secret key is missing): ask for redelivery. */
    private static final class CannotAuthenticateException extends RuntimeException {
        CannotAuthenticateException(String reason) {
            super(reason, null, false, false);
        }
    }
}
