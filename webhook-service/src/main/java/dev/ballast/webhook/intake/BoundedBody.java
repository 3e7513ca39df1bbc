package dev.ballast.webhook.intake;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.ServerHttpRequest;
import io.micronaut.http.body.AvailableByteBody;
import io.micronaut.http.body.ByteBody;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.io.ByteArrayOutputStream;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A delivery's body, read no further than one byte past the intake's limit: a sender streaming a huge or endless
 * chunked body is refused as soon as it is over, rather than after the server's much larger request limit (which
 * is per server, not per route, so it cannot be the intake's). A body whose declared length is over the limit is
 * not read at all.
 */
final class BoundedBody {

    private static final byte[] NONE = new byte[0];

    private BoundedBody() {
    }

    static CompletionStage<byte[]> read(HttpRequest<?> request, int limit) {
        if (!(request instanceof ServerHttpRequest<?> server)) {
            return CompletableFuture.completedFuture(request.getBody(byte[].class).orElse(NONE));
        }
        ByteBody body = server.byteBody();
        if (body instanceof AvailableByteBody whole) {
            // All there already (the usual small delivery): no subscription needed.
            return CompletableFuture.completedFuture(whole.length() > limit ? new byte[limit + 1] : whole.toByteArray());
        }
        OptionalLong declared = body.expectedLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            body.allowDiscard();
            return CompletableFuture.completedFuture(new byte[limit + 1]);
        }
        Reader reader = new Reader(limit, declared.isPresent() ? (int) declared.getAsLong() : 1024);
        body.toByteArrayPublisher().subscribe(reader);
        return reader.result;
    }

    /** Collects chunks until the end, or until one more byte than the limit has arrived. */
    private static final class Reader implements Subscriber<byte[]> {

        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final int limit;
        private final ByteArrayOutputStream bytes;
        private Subscription subscription;

        Reader(int limit, int expected) {
            this.limit = limit;
            this.bytes = new ByteArrayOutputStream(Math.min(limit + 1, Math.max(expected, 16)));
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(byte[] chunk) {
            if (result.isDone()) {
                return;
            }
            int room = limit + 1 - bytes.size();
            bytes.write(chunk, 0, Math.min(room, chunk.length));
            if (bytes.size() > limit) {
                subscription.cancel();
                result.complete(bytes.toByteArray());
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
