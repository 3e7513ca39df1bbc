package dev.ballast.integrations.answers;

import dev.ballast.resilience.db.DbRetry;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes stored answers past their retention, in batches; safe on every replica at once. */
@Singleton
final class AnswerPruner {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerPruner.class);

    private final StoredAnswers answers;
    private final AnswerSettings settings;

    AnswerPruner(StoredAnswers answers, AnswerSettings settings) {
        this.answers = answers;
        this.settings = settings;
    }

    @Scheduled(fixedDelay = "${ballast.integrations.answers.prune-interval:1h}",
            initialDelay = "${ballast.integrations.answers.prune-initial-delay:5m}")
    void scheduled() {
        try {
            long total = 0;
            int deleted;
            do {
                deleted = answers.pruneExpired(settings.pruneBatchSize());
                total += deleted;
            } while (deleted == settings.pruneBatchSize());
            if (total > 0) {
                LOG.info("stored answers pruned rows={}", total);
            }
        } catch (Exception e) {
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("stored answer pruning failed, next attempt at the next interval: {}",
                    e.getClass().getSimpleName());
        }
    }
}
