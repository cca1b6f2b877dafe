package dev.veil.cli.serving;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.cli.CliTest;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.provider.serving.FailoverPolicy;
import dev.veil.provider.serving.ReplicatedServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the replicated client must never do when a replica fails: resend bytes, hide a bad replica, dodge a budget. */
class ReplicaFailoverAttackTest {
    private static final ServingBudget AMPLE = new ServingBudget(10_000L, 100_000L);

    /**
     * The first replica runs the request and its answer is lost on the way back. The request goes to the second
     * replica sealed anew to that replica's keys — the bytes sent to the first are never sent to the second, and the
     * second could not open them — and is answered there. Both replicas counted it: that is what a lost answer costs
     * (ReplicatedServingClient's comment on idempotence).
     */
    @Test
    void anAnswerLostOnTheWayIsSealedAnewForTheNextReplicaAndCountedByBoth(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, AMPLE, 2)) {
            URI a = set.startInProcess(set.config);
            URI b = set.startInProcess(set.config);
            set.provision(a);
            set.provision(b);
            try (RecordingProxy toA = new RecordingProxy(a, true); RecordingProxy toB = new RecordingProxy(b, false);
                 ReplicatedServingClient dp = new ReplicatedServingClient(List.of(toA.uri(), toB.uri()), set.contract)) {
                byte[] in = ServingFixture.crops(3, 7);
                ReplicatedServingClient.Answered answer = dp.infer(ServingFixture.DP, in);

                assertThat(answer.replica()).isEqualTo(toB.uri());
                assertThat(answer.gaveUpOn()).containsExactly(toA.uri());
                assertThat(ReplicaFailoverTest.output(answer)).containsExactly(ReplicaFailoverTest.plainOrt(in));
                assertThat(toA.inferBodies).hasSize(1);
                assertThat(toB.inferBodies).hasSize(1);
                assertThat(toB.inferBodies.get(0)).isNotEqualTo(toA.inferBodies.get(0));
                HttpResponse<byte[]> replayed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(b.resolve("/v1/infer"))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(toA.inferBodies.get(0))).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(replayed.statusCode()).as("the second replica cannot open a request sealed for the first").isNotEqualTo(200);
                assertThat(set.answered(a)).as("the first replica ran it and counted it").isEqualTo(1);
                assertThat(set.answered(b)).isEqualTo(1);
            }
        }
    }

    /**
     * A replica that takes requests and never answers (its host stalls it) is given up on when the attempt's time is
     * up, and the request is answered by the next replica.
     */
    @Test
    void aReplicaThatHangsIsGivenUpOnAtTheAttemptTimeout(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, AMPLE, 2)) {
            URI a = set.startInProcess(set.config);
            URI b = set.startInProcess(set.config);
            set.provision(a);
            set.provision(b);
            try (HoldingRelay stalled = new HoldingRelay(a);
                 ReplicatedServingClient dp = new ReplicatedServingClient(List.of(stalled.uri(), b), set.contract,
                         dev.veil.provider.TrustedCollateral.NONE, java.time.Clock.systemUTC(),
                         new FailoverPolicy(java.time.Duration.ofSeconds(2), FailoverPolicy.DEFAULT_DOWN_FOR))) {
                stalled.hold();
                byte[] in = ServingFixture.crops(2, 11);
                ReplicatedServingClient.Answered answer = dp.infer(ServingFixture.DP, in);
                assertThat(answer.replica()).isEqualTo(b);
                assertThat(answer.gaveUpOn()).containsExactly(stalled.uri());
                assertThat(ReplicaFailoverTest.output(answer)).containsExactly(ReplicaFailoverTest.plainOrt(in));
            }
        }
    }

    /** A replica whose evidence fails appraisal (here: a debug enclave) stops the request; it is not skipped quietly. */
    @Test
    void aReplicaThatFailsAttestationIsReportedNotSkipped(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, AMPLE, 2)) {
            URI debug = set.startInProcess(set.config.withSimulateDebug(true));
            URI good = set.startInProcess(set.config);
            set.provision(good);
            try (ReplicatedServingClient dp = new ReplicatedServingClient(List.of(debug, good), set.contract)) {
                assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 1))).isInstanceOf(AttestationException.class);
            }
            assertThat(set.answered(good)).isZero();
        }
    }

    /**
     * Budgets are per replica (each enforces its share: the budget over max_instances). A request refused for budget
     * (429) by one replica is not sent on to another that still has budget for this data provider: the client would be
     * helping the data provider past the contract's limit.
     */
    @Test
    void aSpentBudgetIsNotSpentAgainOnAnotherReplica(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, new ServingBudget(8L, 100L), 2)) {
            URI a = set.startInProcess(set.config);
            URI b = set.startInProcess(set.config);
            set.provision(a);
            set.provision(b);
            try (ReplicatedServingClient dp = new ReplicatedServingClient(List.of(a, b), set.contract)) {
                assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(4, 1)).replica()).isEqualTo(a);   // a: its share (8 / 2) spent
                assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2)).replica()).isEqualTo(b);   // b: 3 rows of its share left
                assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 3)))
                        .isInstanceOfSatisfying(ServingRefused.class, e -> assertThat(e.status()).isEqualTo(429));
            }
            assertThat(set.answered(b)).isEqualTo(1);
        }
    }

    /** 'veil infer' with several --enclave: a dead one is passed over; a repeated one, or none alive, is one line and exit 2. */
    @Test
    void inferTakesSeveralReplicasAndPassesOverADeadOne(@TempDir Path dir) throws Exception {
        try (ServingReplicas set = new ServingReplicas(dir, AMPLE, 2)) {
            URI live = set.startInProcess(set.config);
            set.provision(live);
            String dead = "http://127.0.0.1:" + freePort();
            Path dpKey = dir.resolve("dp.key");
            dev.veil.protocol.identity.IdentityFiles.writeSecret(ServingFixture.DP, dpKey);
            Files.write(dir.resolve("in.npz"), ServingFixture.crops(2, 5));
            String[] common = {"--contract", set.contractFile.toString(), "--identity", dpKey.toString(), "--data", dir.resolve("in.npz").toString()};

            CliTest.Result ok = veil(concat(new String[] {"infer", "--enclave", dead + "," + live, "--out", dir.resolve("out.npz").toString()}, common));
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("\"receipt_verified\":true").contains("\"replica\":\"" + live);
            if (ok.out().contains("\"replicas_given_up_on\":[\"" + dead)) {   // the random first replica was the dead one
                assertThat(ok.err()).contains(dead).contains(" did not answer; the request was sealed anew to " + live);
            } else {
                assertThat(ok.out()).contains("\"replicas_given_up_on\":[]");
            }

            CliTest.Result twice = veil(concat(new String[] {"infer", "--enclave", live.toString(), "--enclave", live.toString(),
                    "--out", dir.resolve("out2.npz").toString()}, common));
            assertThat(twice.code()).isEqualTo(2);
            assertThat(twice.err().strip().lines()).hasSize(1).first().asString().contains("given twice");

            CliTest.Result none = veil(concat(new String[] {"infer", "--enclave", dead + "," + "http://127.0.0.1:" + freePort(),
                    "--out", dir.resolve("out3.npz").toString()}, common));
            assertThat(none.code()).isEqualTo(2);
            assertThat(none.err().strip().lines()).hasSize(1).first().asString().contains("no serving replica answered");
            assertThat(dir.resolve("out2.npz")).doesNotExist();
            assertThat(dir.resolve("out3.npz")).doesNotExist();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
