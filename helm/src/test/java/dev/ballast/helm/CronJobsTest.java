package dev.ballast.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The CronJobs that call the cron endpoints, translated from the seeds' cron: one run at a time, bounded, no retry. */
class CronJobsTest {

    /** CronJob component → the endpoint it must call. */
    private static final Map<String, String> ENDPOINTS = Map.of(
            "cron-insights-context-packs", "insights /cron/insights/context-packs",
            "cron-insights-booked-summaries", "insights /cron/insights/booked-summaries",
            "cron-integrations-health-check", "integrations /cron/integrations/health-check",
            "cron-jobs-tick", "jobs /cron/jobs/run");
    private static final Pattern MAX_TIME = Pattern.compile("--max-time (\\d+)");
    private static final Pattern BUDGET = Pattern.compile("[?&]budget=(\\d+)s");

    @Test
    void theJobsTickRunsOnlyWhereAskedAndTheOthersByDefault() {
        assertThat(Chart.render().all(CronJob.class)).map(Rendered::component).containsExactlyInAnyOrder(
                "cron-insights-context-packs", "cron-insights-booked-summaries", "cron-integrations-health-check");
        assertThat(Chart.render(Chart.PRODUCTION).all(CronJob.class)).map(Rendered::component)
                .containsExactlyInAnyOrderElementsOf(ENDPOINTS.keySet());
    }

    @Test
    void everyCronJobRunsAloneWithoutRetryWithinItsBudgetAndBelowItsInterval() {
        for (Rendered rendered : List.of(Chart.render(), Chart.render(Chart.PRODUCTION))) {
            for (CronJob cron : rendered.all(CronJob.class)) {
                String name = Rendered.component(cron);
                JobSpec job = cron.getSpec().getJobTemplate().getSpec();
                Container call = job.getTemplate().getSpec().getContainers().getFirst();
                String url = env(call, "CRON_URL").getValue();
                long budget = budgetSeconds(url);
                long interval = intervalSeconds(cron.getSpec().getSchedule());
                long deadline = job.getActiveDeadlineSeconds();
                String script = String.join(" ", call.getCommand());

                assertThat(cron.getSpec().getConcurrencyPolicy()).as(name).isEqualTo("Forbid");
                assertThat(job.getBackoffLimit()).as(name).isZero();
                assertThat(job.getTemplate().getSpec().getRestartPolicy()).as(name).isEqualTo("Never");
                assertThat(deadline).as(name + " deadline vs budget").isGreaterThan(budget);
                assertThat(deadline).as(name + " deadline vs interval").isLessThan(interval);
                assertThat(cron.getSpec().getStartingDeadlineSeconds()).as(name).isPositive().isLessThan(interval);
                assertThat(cron.getSpec().getSuccessfulJobsHistoryLimit()).as(name).isNotNull();
                assertThat(cron.getSpec().getFailedJobsHistoryLimit()).as(name).isNotNull();
                assertThat(script).as(name).contains("curl ").contains(" --fail ").contains("--request POST");
                Matcher maxTime = MAX_TIME.matcher(script);
                assertThat(maxTime.find()).as(name + " --max-time").isTrue();
                assertThat(Long.parseLong(maxTime.group(1))).as(name + " --max-time").isGreaterThan(budget)
                        .isLessThan(deadline);
            }
        }
    }

    @Test
    void everyCronJobCallsItsEndpointWithTheCronTokenFromTheSecret() {
        Rendered rendered = Chart.render(Chart.PRODUCTION);
        for (CronJob cron : rendered.all(CronJob.class)) {
            String name = Rendered.component(cron);
            Container call = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().getFirst();
            URI url = URI.create(env(call, "CRON_URL").getValue());
            String[] expected = ENDPOINTS.get(name).split(" ");
            assertThat(url.getHost()).as(name).isEqualTo(Chart.RELEASE + "-" + expected[0]);
            assertThat(String.valueOf(url.getPort())).as(name)
                    .isEqualTo(rendered.configOf(expected[0]).get("SERVER_PORT"));
            assertThat(url.getPath()).as(name).isEqualTo(expected[1]);

            EnvVar token = env(call, "CRON_TOKEN");
            assertThat(token.getValue()).as(name).isNull();
            assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("ballast-production");
            // The same key the called service reads its cron token from.
            String serviceTokenKey = ConfigMapKnobsTest.envOf(rendered.of(Deployment.class,
                    expected[0])).values().stream().filter(e -> e.getName().endsWith("_CRON_TOKEN"))
                    .map(e -> e.getValueFrom().getSecretKeyRef().getKey()).findFirst().orElseThrow();
            assertThat(token.getValueFrom().getSecretKeyRef().getKey()).as(name).isEqualTo(serviceTokenKey);
            // Never on curl's command line (visible in ps): it reaches curl on stdin.
            assertThat(String.join(" ", call.getCommand())).doesNotContain("-H ").doesNotContain("--header")
                    .contains("--config -");
        }
    }

    static long budgetSeconds(String url) {
        Matcher m = BUDGET.matcher(url);
        assertThat(m.find()).as("?budget= in " + url).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Seconds between runs of a five-field schedule whose minute is "*", "*&#47;N" or a number (hourly). */
    static long intervalSeconds(String schedule) {
        String[] fields = schedule.trim().split("\\s+");
        assertThat(fields).hasSize(5);
        if (fields[0].equals("*")) {
            return 60;
        }
        if (fields[0].startsWith("*/")) {
            return Long.parseLong(fields[0].substring(2)) * 60;
        }
        assertThat(fields[1]).as("hourly schedule").isEqualTo("*");
        return 3600;
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
    }
}
