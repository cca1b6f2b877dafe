package dev.veil.spark.job;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.broker.BrokerChallenge;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ReleaseAnswer;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapAnswer;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.broker.WrappedAssetKey;
import dev.veil.protocol.broker.WrappedDataKey;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Test fixture standing in for {@code veil broker} (built on its own branch) on loopback: the routes and records of
 * {@link BrokerMessages}, appraisal with {@link EnclaveAppraisal} exactly as the ceremony's, release HPKE-wrapped and
 * signed over the ceremony's transcript, and a data-key service whose master key never leaves this object, serving
 * only instances it released to. No persistence, no rate limit: those are the broker's.
 */
final class TestBroker implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final ContractVerifier.Verified contract;
    private final Role role;
    private final Identity identity;
    private final AssetKey assetKey;
    private final SecretKey master;
    private final HttpServer server;
    private final Set<String> nonces = ConcurrentHashMap.newKeySet();
    private final Set<String> released = ConcurrentHashMap.newKeySet();
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger unwraps = new AtomicInteger();

    TestBroker(ContractVerifier.Verified contract, Role role, Identity identity, AssetKey assetKey) throws Exception {
        this.contract = contract;
        this.role = role;
        this.identity = identity;
        this.assetKey = assetKey;
        KeyGenerator g = KeyGenerator.getInstance("AES");
        g.init(256);
        this.master = g.generateKey();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(BrokerMessages.CHALLENGE, ex -> answer(ex, this::challenge));
        server.createContext(BrokerMessages.RELEASE, ex -> answer(ex, this::release));
        server.createContext(BrokerMessages.WRAP, ex -> answer(ex, this::wrap));
        server.createContext(BrokerMessages.UNWRAP, ex -> answer(ex, this::unwrap));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private interface Route {
        Object handle(byte[] body) throws Exception;
    }

    private static void answer(HttpExchange ex, Route route) throws IOException {
        byte[] out;
        int status;
        try {
            out = Json.canonical(route.handle(ex.getRequestBody().readAllBytes()));
            status = 200;
        } catch (Exception e) {
            out = new byte[0];
            status = 403;
        }
        ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            ex.getResponseBody().write(out);
        }
        ex.close();
    }

    private BrokerChallenge challenge(byte[] body) throws Exception {
        if (!BrokerMessages.challengeRequest(body).contractHash().equals(contract.hashHex())) {
            throw new IllegalArgumentException("another contract");
        }
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        nonces.add(HexFormat.of().formatHex(nonce));
        return new BrokerChallenge(contract.hashHex(), nonce, Instant.now().getEpochSecond() + 60);
    }

    private ReleaseAnswer release(byte[] body) throws Exception {
        ReleaseRequest r = BrokerMessages.releaseRequest(body);
        if (!nonces.remove(HexFormat.of().formatHex(r.brokerNonce())) || !r.contractHash().equals(contract.hashHex())) {
            throw new IllegalArgumentException("unknown nonce");
        }
        InstanceKeys keys = r.offer().instanceKeys();
        EnclaveAppraisal.appraise(contract, r.offer().platform(), r.offer().evidence(), r.brokerNonce(), keys,
                new VerificationOptions(Instant.now(), List.of(), r.offer().collateral()));
        KeyReleaseTranscript t = ReleaseAnswer.transcript(contract.hashHex(), role, r.brokerNonce(), r.offer().enclaveNonce(),
                r.offer().evidence(), keys);
        WrappedAssetKey key = assetKey == null ? null : WrappedAssetKey.of(AssetKeyWrap.wrap(assetKey, new byte[0],
                keys.keyWrapSuite(), keys.keyWrapKey(), t.hpkeInfo(), t.context()));
        released.add(Digests.hex(keys.digest()));
        releases.incrementAndGet();
        return new ReleaseAnswer(contract.hashHex(), role, r.brokerNonce(), r.offer().enclaveNonce(), key,
                identity.sign(ReleaseAnswer.signingMessage(t, key)));
    }

    private void requireReleasedCaller(CallerInstance caller, byte[] message, byte[] signature) throws Exception {
        if (!caller.contractHash().equals(contract.hashHex()) || !released.contains(Digests.hex(caller.instanceKeys().digest()))) {
            throw new SecurityException("not released to");
        }
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(caller.instanceKeys().signingKey())));
        s.update(message);
        if (!s.verify(signature)) {
            throw new SecurityException("bad signature");
        }
    }

    private WrapAnswer wrap(byte[] body) throws Exception {
        WrapRequest r = BrokerMessages.wrapRequest(body);
        if (r.instance() == null) {
            if (!identity.publicIdentity().verify(r.signingMessage(), r.signature())) {
                throw new SecurityException("not the provider's signature");
            }
        } else {
            requireReleasedCaller(r.instance(), r.signingMessage(), r.signature());
        }
        byte[] dataKey = Hpke.open(identity.keyAgreement(), WrapRequest.hpkeInfo(), WrapRequest.aad(r.masterKeyId(), r.instance()),
                new Hpke.Sealed(r.enc(), r.sealedDataKey()));
        byte[] iv = new byte[WrappedDataKey.IV_LENGTH];
        RANDOM.nextBytes(iv);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, iv));
        c.updateAAD(WrappedDataKey.aad(r.masterKeyId()));
        return new WrapAnswer(new WrappedDataKey(iv, c.doFinal(dataKey)).text());
    }

    private UnwrapAnswer unwrap(byte[] body) throws Exception {
        UnwrapRequest r = BrokerMessages.unwrapRequest(body);
        requireReleasedCaller(r.instance(), r.signingMessage(), r.signature());
        WrappedDataKey w = WrappedDataKey.parse(r.wrappedKey());
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, w.iv()));
        c.updateAAD(WrappedDataKey.aad(r.masterKeyId()));
        byte[] dataKey = c.doFinal(w.ciphertext());
        InstanceKeys keys = r.instance().instanceKeys();
        Hpke.Sealed sealed = Hpke.seal(keys.keyWrapSuite(), keys.keyWrapKey(), UnwrapRequest.answerInfo(), r.signingMessage(), dataKey);
        unwraps.incrementAndGet();
        return new UnwrapAnswer(sealed.enc(), sealed.ciphertext());
    }

    /** The provider's own access to its master key, standing for opening results at the provider's side. */
    dev.veil.spark.parquet.DataKeyService ownerKeys() {
        return new dev.veil.spark.parquet.DataKeyService() {
            @Override
            public String wrap(byte[] key, String masterKeyId) {
                throw new UnsupportedOperationException("the test opens results only");
            }

            @Override
            public byte[] unwrap(String wrapped, String masterKeyId) throws org.apache.parquet.crypto.KeyAccessDeniedException {
                try {
                    WrappedDataKey w = WrappedDataKey.parse(wrapped);
                    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                    c.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, w.iv()));
                    c.updateAAD(WrappedDataKey.aad(masterKeyId));
                    return c.doFinal(w.ciphertext());
                } catch (java.security.GeneralSecurityException e) {
                    throw new org.apache.parquet.crypto.KeyAccessDeniedException("does not open");
                }
            }
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
