package dev.ballast.webhook.booking;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** Bookings from GHL AppointmentCreate webhooks and PUT /leads/{id}/booking, read back through the service API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BookingTest {

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    private static String appointment(String appointmentId, String contactId) {
        return """
                {"type":"AppointmentCreate","locationId":"%s","appointment":{"id":"%s","calendarId":"cal-1",
                 "contactId":"%s","title":"Intro call","appointmentStatus":"confirmed",
                 "startTime":"2026-03-02T15:00:00.000Z","endTime":"2026-03-02T15:30:00.000Z"}}
                """.formatted(Deliveries.GHL_LOCATION, appointmentId, contactId);
    }

    private String[] asService(UUID workspace) {
        return new String[] {"Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                "X-Workspace-Id", workspace.toString()};
    }

    @Test
    void theSameAppointmentDeliveredTwentyTimesAtOnceIsOneBookingOfABookedLead() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> deliveries = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            deliveries.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return service.post(ws.ghlPath(), appointment("appt-1", "contact-7"), ws.bearer());
            }));
        }
        go.countDown();
        List<String> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> d : deliveries) {
            HttpResponse<String> r = d.join();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            statuses.add(service.json(r).get("status").getStringValue());
        }
        assertThat(statuses).containsOnlyOnce("accepted").filteredOn("duplicate"::equals).hasSize(19);
        assertThat(service.count("SELECT count(*) FROM webhook.bookings WHERE workspace_id = ?", ws.id())).isEqualTo(1);
        assertThat(service.leads(ws.id())).isEqualTo(1);
        long lead = ((Number) service.queryOne("SELECT id FROM webhook.leads WHERE workspace_id = ?", ws.id()))
                .longValue();

        JsonNode booking = service.json(service.get("/leads/" + lead + "/booking", asService(ws.id())));
        assertThat(booking.get("booked").getBooleanValue()).isTrue();
        assertThat(booking.get("appointmentId").getStringValue()).isEqualTo("appt-1");
        assertThat(booking.get("startsAt").getStringValue()).isEqualTo("2026-03-02T15:00:00Z");
        assertThat(booking.get("bookings").getIntValue()).isEqualTo(1);
        JsonNode page = service.json(service.get("/leads/booked", asService(ws.id())));
        assertThat(page.get("items").size()).isEqualTo(1);
        assertThat(page.get("items").get(0).get("leadId").getLongValue()).isEqualTo(lead);
        // No message and no job for a booking.
        assertThat(service.messages(ws.id())).isZero();
        assertThat(service.outboxRows(ws.id())).isZero();
    }

    @Test
    void aBookingByTheServiceApiMarksAnExistingLeadOnceAndAnUnknownLeadIs404() {
        TestWorkspace ws = service.createWorkspace();
        service.post(ws.ghlPath(), Deliveries.ghlInbound("m-1", "contact-1", "Yes please"), ws.bearer());
        long lead = ((Number) service.queryOne("SELECT id FROM webhook.leads WHERE workspace_id = ?", ws.id()))
                .longValue();
        JsonNode before = service.json(service.get("/leads/" + lead + "/booking", asService(ws.id())));
        assertThat(before.get("booked").getBooleanValue()).isFalse();

        HttpResponse<String> first = service.put("/leads/" + lead + "/booking", "{}", asService(ws.id()));
        HttpResponse<String> again = service.put("/leads/" + lead + "/booking", "{}", asService(ws.id()));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(service.json(again).get("bookings").getIntValue()).isEqualTo(1);
        assertThat(service.json(again).get("booked").getBooleanValue()).isTrue();
        HttpResponse<String> other = service.put("/leads/" + lead + "/booking", "{\"appointmentId\":\"cal-9\"}",
                asService(ws.id()));
        assertThat(service.json(other).get("bookings").getIntValue()).isEqualTo(2);

        assertThat(service.put("/leads/" + lead + "/booking", "{}", asService(UUID.randomUUID())).statusCode())
                .isEqualTo(404);
        assertThat(service.get("/leads/999999999/booking", asService(ws.id())).statusCode()).isEqualTo(404);
        assertThat(service.put("/leads/" + lead + "/booking", "{}").statusCode()).isEqualTo(401);
    }

    @Test
    void bookedLeadsComeByPagesOfLeastRecentActivityAcrossWorkspaces() {
        TestWorkspace a = service.createWorkspace();
        TestWorkspace b = service.createWorkspace();
        service.post(a.ghlPath(), appointment("a-1", "c-1"), a.bearer());
        service.post(b.ghlPath(), appointment("b-1", "c-1"), b.bearer());
        service.post(a.ghlPath(), appointment("a-2", "c-2"), a.bearer());
        // c-1 of workspace a writes after its booking: its activity moves to the end.
        service.post(a.ghlPath(), Deliveries.ghlInbound("m-9", "c-1", "See you then"), a.bearer());
        String[] all = {"Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN};
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = service.json(service.get("/leads/booked?limit=1" + (after == null ? "" : "&after=" + after),
                    all));
            page.get("items").values().forEach(i -> seen.add(i.get("workspaceId").getStringValue() + "/"
                    + i.get("leadId").getLongValue()));
            after = page.get("nextAfter") == null ? null : page.get("nextAfter").getStringValue();
        } while (after != null);
        List<String> ours = seen.stream().filter(s -> s.startsWith(a.id().toString()) || s.startsWith(b.id().toString()))
                .toList();
        assertThat(ours).hasSize(3);
        assertThat(ours.getLast()).startsWith(a.id().toString());
        long c1 = ((Number) service.queryOne("SELECT id FROM webhook.leads WHERE workspace_id = ? AND lead_key = ?",
                a.id(), "ghl-contact:c-1")).longValue();
        assertThat(ours.getLast()).isEqualTo(a.id() + "/" + c1);
        assertThat(service.get("/leads/booked?after=nonsense", all).statusCode()).isEqualTo(400);
    }
}
