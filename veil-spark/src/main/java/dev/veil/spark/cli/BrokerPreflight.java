package dev.veil.spark.cli;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.DataKeyChallengeRequest;
import dev.veil.protocol.broker.OwnerUnwrapMessages;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.servinghttp.BoundedAnswer;
import dev.veil.protocol.servinghttp.ErrorBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Asks each broker a command will need for a challenge before any work starts, as 'veil provision' asks the instance
 * first: a broker that cannot be reached, is not a Veil broker, or refuses the contract (not served, expired, not the
 * data provider's) is then one line naming the option and the broker's own reason, instead of a failure minutes later
 * inside Spark or Parquet, where only a fixed code may leave an executor. A challenge is a fresh nonce and nothing
 * else: asking for one releases, wraps and counts nothing.
 */
final class BrokerPreflight {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    private BrokerPreflight() {
    }

    /** 'veil batch': the model provider's broker releases under the contract, the data provider's is its owner's. */
    static void forBatch(String mpOption, URI mp, String dpOption, URI dp, String contractHashHex) throws UsageError {
        ask(mpOption, mp, BrokerMessages.CHALLENGE, new ChallengeRequest(contractHashHex));
        forOwner(dpOption, dp, contractHashHex);
    }

    /** The data provider's broker serves the contract, as its owner's broker ('veil batch open', 'veil batch'). */
    static void forOwner(String option, URI broker, String contractHashHex) throws UsageError {
        ask(option, broker, OwnerUnwrapMessages.CHALLENGE, new ChallengeRequest(contractHashHex));
    }

    /** A broker that wraps its provider's own data keys ('veil seal --format parquet'). */
    static void forWrapping(String option, URI broker) throws UsageError {
        ask(option, broker, BrokerMessages.DATA_KEY_CHALLENGE, new DataKeyChallengeRequest(null));
    }

    private static void ask(String option, URI broker, String path, Object request) throws UsageError {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
        HttpRequest post = HttpRequest.newBuilder(broker.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.canonical(request))).build();
        HttpResponse<byte[]> answer;
        try {
            answer = BoundedAnswer.exchange(http, post, BrokerMessages.MAX_SMALL_BYTES, BrokerMessages.MAX_SMALL_BYTES, ANSWER_TIMEOUT);
        } catch (IOException e) {
            throw new UsageError(option + " " + broker + ": no broker answers there (" + e.getClass().getSimpleName()
                    + "); start 'veil broker' there, or give the address it listens on");
        }
        if (answer.statusCode() == 200) {
            return;
        }
        ErrorBody refusal;
        try {
            refusal = Json.parse(answer.body(), ErrorBody.class, "the broker's refusal");
        } catch (ProtocolException e) {
            throw new UsageError(option + " " + broker + ": what answers there is not a Veil broker (HTTP " + answer.statusCode()
                    + "); give the address 'veil broker' listens on");
        }
        throw new UsageError(option + " " + broker + ": the broker refused (" + refusal.error() + ": " + refusal.message() + ")"
                + hint(refusal.error()));
    }

    /** What to do about a refusal the user can act on; the broker's own line says what it refused. */
    private static String hint(String reason) {
        return switch (reason) {
            case "unknown_contract" -> "; start that broker with this contract ('veil broker --contract'), or give the broker that serves it";
            case "not_in_scope" -> "; give the data provider's broker there (are the two broker options swapped?)";
            case "contract_expired" -> "; both providers sign a new contract";
            default -> "";
        };
    }
}
