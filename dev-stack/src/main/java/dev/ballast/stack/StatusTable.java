package dev.ballast.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The one table {@code up} prints once everything is ready and {@code status} prints on demand. */
final class StatusTable {

    record Row(String service, String url, String health, long startupMillis, long readyAfterMillis, long pid,
               boolean recordsAotCache) {
    }

    private static final String[] HEADER = {"SERVICE", "URL", "HEALTH", "STARTUP", "READY AFTER", "PID"};

    private StatusTable() {
    }

    static String render(List<Row> rows) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEADER);
        boolean anyRecording = false;
        for (Row row : rows) {
            anyRecording |= row.recordsAotCache();
            lines.add(new String[] {
                    row.service(), row.url(), row.health(), millis(row.startupMillis()),
                    millis(row.readyAfterMillis()) + (row.recordsAotCache() ? " *" : ""), Long.toString(row.pid())});
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                text.append(String.format("%-" + (widths[i] + 2) + "s", line[i]));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        if (anyRecording) {
            out.append("* first run of this build: recording its AOT cache, so later start-ups are faster\n");
        }
        out.append("STARTUP is Micronaut's own figure; READY AFTER runs from process spawn to the first 200 on"
                + " /health/readiness\n");
        return out.toString();
    }

    private static String millis(long value) {
        if (value < 0) {
            return "-";
        }
        return value < 10_000 ? value + " ms" : String.format(Locale.ROOT, "%.1f s", value / 1000.0);
    }
}
