package dev.veil.spark.job;

import java.lang.reflect.Field;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.spark.SparkEnv;

/**
 * Which certificates this executor's Spark connections accept from the server they connect to: its RPC to the driver
 * (over which every task arrives) and its block fetches (over which each task's code arrives, as a broadcast). Read
 * from the running objects Spark built at start-up, not from the configuration or the files it names, which the cluster
 * manager supplied and could change since.
 *
 * <p>Spark 4.2 keeps these in private fields ({@code NettyRpcEnv.transportContext},
 * {@code NettyBlockTransferService.transportContext}, {@code TransportContext.sslFactory},
 * {@code SSLFactory.trustManagers}); anything but the shape expected here (TLS off, PEM certificates, which trust what
 * they name, a reloading trust store, Spark's trust-all manager, another Spark) is refused, never guessed at. Only the
 * JDK's own trust manager over a fixed key store is taken.
 */
final class SparkRpcTrust {
    private static final String JDK_TRUST_MANAGER = "sun.security.ssl.X509TrustManagerImpl";

    private SparkRpcTrust() {
    }

    /** Why Spark's connections here cannot be tied to one trusted certificate. */
    static final class Untrusted extends Exception {
        private static final long serialVersionUID = 1L;

        Untrusted(String message) {
            super(message);
        }
    }

    /**
     * The certificates the RPC and the block transfer connections of {@code env} trust, which must be the same; refused
     * unless both are TLS through the JDK's trust manager over a fixed set.
     */
    static List<X509Certificate> trusted(SparkEnv env) throws Untrusted {
        List<X509Certificate> rpc = rpcTrusted(env);
        List<X509Certificate> blocks = trustedBy(field(env.blockManager().blockTransferService(), "transportContext"), "block transfer");
        if (!rpc.equals(blocks)) {
            throw new Untrusted("Spark's RPC and block transfer trust different certificates");
        }
        return rpc;
    }

    /**
     * The certificates the RPC connections of {@code env} trust: what an executor can check at its start, before its
     * block transfer service is set up (when it registers with the driver).
     */
    static List<X509Certificate> rpcTrusted(SparkEnv env) throws Untrusted {
        return trustedBy(field(env.rpcEnv(), "transportContext"), "RPC");
    }

    private static List<X509Certificate> trustedBy(Object transportContext, String what) throws Untrusted {
        Object ssl = field(transportContext, "sslFactory");
        if (ssl == null) {
            throw new Untrusted("Spark's " + what + " runs without TLS");
        }
        if (field(ssl, "nettyClientSslContext") != null || field(ssl, "jdkSslContext") == null) {
            throw new Untrusted("Spark's " + what + " TLS is not configured by key and trust stores");
        }
        Object managers = field(ssl, "trustManagers");
        if (!(managers instanceof TrustManager[] tms) || tms.length != 1 || !(tms[0] instanceof X509TrustManager tm)
                || !tm.getClass().getName().equals(JDK_TRUST_MANAGER)) {
            throw new Untrusted("Spark's " + what + " TLS does not check its server against a fixed trust store");
        }
        X509Certificate[] issuers = tm.getAcceptedIssuers();
        return issuers == null ? List.of() : List.of(issuers);
    }

    private static Object field(Object owner, String name) throws Untrusted {
        if (owner == null) {
            throw new Untrusted("Spark's connections are not set up as Spark 4.2 sets them up");
        }
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // a superclass may declare it
            } catch (ReflectiveOperationException | RuntimeException e) {
                break;
            }
        }
        throw new Untrusted("Spark's connections are not set up as Spark 4.2 sets them up (no " + name + ")");
    }
}
