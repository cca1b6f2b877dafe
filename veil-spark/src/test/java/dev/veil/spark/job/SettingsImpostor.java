package dev.veil.spark.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SecurityManager;
import org.apache.spark.SecurityManager$;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.rpc.RpcCallContext;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.rpc.RpcEnv$;
import org.apache.spark.rpc.ThreadSafeRpcEndpoint;
import org.apache.spark.scheduler.cluster.CoarseGrainedClusterMessages;
import scala.Option;
import scala.PartialFunction;
import scala.Tuple2;
import scala.runtime.AbstractPartialFunction;
import scala.runtime.BoxedUnit;

/**
 * The cluster manager answering a launched executor's first question in its driver's place: the executor fetches the
 * driver's settings over a connection its JVM's settings alone build, and a cluster manager that gives it no TLS
 * settings (only the application's secret, which it holds) can answer over plain RPC. A proxy at the driver URL it gives
 * the executor sends the first connection to an RPC endpoint of its own, which answers with the driver's settings (the
 * attested driver's contract, statement and TLS settings among them: none is secret) changed by {@code changes}, and
 * every later connection to the genuine driver.
 */
final class SettingsImpostor implements AutoCloseable {
    private final RpcEnv env;
    private final ServerSocket proxy;
    private final List<Socket> sockets = new ArrayList<>();

    SettingsImpostor(SparkContext driver, Map<String, String> changes) throws IOException {
        SparkConf conf = new SparkConf(false).set("spark.authenticate", "true")
                .set("spark.authenticate.secret", driver.getConf().get("spark.authenticate.secret"));
        env = RpcEnv$.MODULE$.create("impostor", "127.0.0.1", "127.0.0.1", 0, conf,
                new SecurityManager(conf, Option.empty(), SecurityManager$.MODULE$.$lessinit$greater$default$3()), 1, false);
        List<Tuple2<String, String>> settings = new ArrayList<>();
        for (Tuple2<String, String> kv : driver.getConf().getAll()) {
            if (kv._1().startsWith("spark.") && !changes.containsKey(kv._1())) {
                settings.add(kv);
            }
        }
        changes.forEach((k, v) -> settings.add(new Tuple2<>(k, v)));
        CoarseGrainedClusterMessages.SparkAppConfig answer = new CoarseGrainedClusterMessages.SparkAppConfig(
                scala.jdk.javaapi.CollectionConverters.asScala(settings).toSeq(), Option.empty(), Option.empty(),
                driver.resourceProfileManager().defaultResourceProfile(), Option.empty());
        RpcEnv impostorEnv = env;
        env.setupEndpoint("CoarseGrainedScheduler", new ThreadSafeRpcEndpoint() {
            @Override
            public RpcEnv rpcEnv() {
                return impostorEnv;
            }

            @Override
            public PartialFunction<Object, BoxedUnit> receiveAndReply(RpcCallContext context) {
                return new AbstractPartialFunction<>() {
                    @Override
                    public boolean isDefinedAt(Object message) {
                        return message instanceof CoarseGrainedClusterMessages.RetrieveSparkAppConfig;
                    }

                    @Override
                    public <A1, B1> B1 applyOrElse(A1 message, scala.Function1<A1, B1> otherwise) {
                        if (!isDefinedAt(message)) {
                            return otherwise.apply(message);
                        }
                        context.reply(answer);
                        return null;
                    }
                };
            }
        });
        int driverPort = Integer.parseInt(driver.getConf().get("spark.driver.port"));
        int impostorPort = env.address().port();
        proxy = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        AtomicInteger connections = new AtomicInteger();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket in = proxy.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(),
                            connections.getAndIncrement() == 0 ? impostorPort : driverPort);
                    synchronized (sockets) {
                        sockets.add(in);
                        sockets.add(out);
                    }
                    pipe(in, out);
                    pipe(out, in);
                }
            } catch (IOException e) {
                // closed
            }
        }, "impostor-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The driver URL the cluster manager gives the executor. */
    String driverUrl() {
        return "spark://CoarseGrainedScheduler@127.0.0.1:" + proxy.getLocalPort();
    }

    private static void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // either side closed
            }
        }, "impostor-pipe");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        proxy.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        env.shutdown();
    }
}
