package dev.ballast.resilience.http;

import io.micronaut.core.propagation.PropagatedContextElement;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inbound request that outbound calls are made for. When its connection closes before it is answered, the
 * calls still running for it end as {@link AbortClass#CALLER_CANCELLED}: nobody is left to use their result.
 */
final class InboundRequest implements PropagatedContextElement {

    private final Set<CallRun> calls = ConcurrentHashMap.newKeySet();
    private volatile boolean gone;

    void register(CallRun run) {
        calls.add(run);
        if (gone) {
            run.abort(AbortClass.CALLER_CANCELLED);
        }
    }

    void unregister(CallRun run) {
        calls.remove(run);
    }

    /** The caller hung up before its answer. */
    void gone() {
        gone = true;
        for (CallRun run : calls) {
            run.abort(AbortClass.CALLER_CANCELLED);
        }
    }
}
