package dev.ballast.resilience.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.MutablePropagatedContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

import java.lang.reflect.Method;
import java.time.Duration;

/**
 * Connects an inbound request to the outbound calls made while serving it, in services that run an HTTP server:
 * <ul>
 *     <li>the route's deadline ({@link RequestDeadlines}), shortened by the caller's remaining budget
 *     ({@value Deadline#HEADER}), becomes the propagated {@link Deadline}, so that no database unit, try or retry
 *     outlives what the caller will wait for;</li>
 *     <li>if the caller's connection closes before it is answered, the calls still running for it are aborted as
 *     {@link AbortClass#CALLER_CANCELLED}. Micronaut 4's Netty server does not cancel a pending response when
 *     its connection closes, so this filter watches the connection itself.</li>
 * </ul>
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class InboundRequestFilter {

    private static final String LISTENER = InboundRequestFilter.class.getName() + ".listener";

    /** The Netty server's request exposes its channel through a public method that no interface declares. */
    private static final ClassValue<Method> CHANNEL_ACCESSOR = new ClassValue<>() {
        @Override
        @Nullable
        protected Method computeValue(Class<?> type) {
            try {
                Method m = type.getMethod("getChannelHandlerContext");
                return ChannelHandlerContext.class.isAssignableFrom(m.getReturnType()) ? m : null;
            } catch (NoSuchMethodException e) {
                return null;
            }
        }
    };

    private final RequestDeadlines deadlines;

    InboundRequestFilter(RequestDeadlines deadlines) {
        this.deadlines = deadlines;
    }

    @RequestFilter
    void enter(HttpRequest<?> request, MutablePropagatedContext propagatedContext) {
        Deadline deadline = Deadline.fromHeader(request.getHeaders().get(Deadline.HEADER));
        Duration budget = deadlines.budgetFor(request.getPath());
        if (budget != null) {
            deadline = Deadline.after(budget).min(deadline);
        }
        if (deadline != null) {
            propagatedContext.add(deadline.min(Deadline.current().orElse(null)));
        }
        ChannelFuture closed = closeFutureOf(request);
        if (closed != null) {
            InboundRequest inbound = new InboundRequest();
            ChannelFutureListener listener = f -> inbound.gone();
            closed.addListener(listener);
            request.setAttribute(LISTENER, new Watch(closed, listener));
            propagatedContext.add(inbound);
        }
    }

    @ResponseFilter
    void leave(HttpRequest<?> request) {
        // answered: a later close of a kept-alive connection is not this caller going away
        request.getAttribute(LISTENER, Watch.class).ifPresent(w -> w.closed().removeListener(w.listener()));
    }

    @Nullable
    private static ChannelFuture closeFutureOf(HttpRequest<?> request) {
        Method accessor = CHANNEL_ACCESSOR.get(request.getClass());
        if (accessor == null) {
            return null;
        }
        try {
            return ((ChannelHandlerContext) accessor.invoke(request)).channel().closeFuture();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private record Watch(ChannelFuture closed, ChannelFutureListener listener) {
    }
}
