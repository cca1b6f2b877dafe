package dev.veil.provider.broker;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Room for progress under a connection flood: an idle timeout, however short, is reset by every byte, so a stranger
 * dripping a header byte now and then on each of {@link BrokerServer#MAX_CONNECTIONS} connections would hold the limit
 * for ever. While {@link BrokerServer#FLOOD_CONNECTIONS} or more are open, a connection older than {@link #MAX_AGE}
 * is closed, whatever it sends: no genuine exchange with the broker (a challenge, a release, a data key) takes that
 * long, and a client whose kept-alive connection is closed opens another.
 */
final class ConnectionFloodGuard implements Connection.Listener, AutoCloseable {
    /** The age past which a connection is closed during a flood. */
    static final Duration MAX_AGE = Duration.ofSeconds(10);

    private final Map<Connection, Long> opened = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "veil-broker-flood-guard");
        t.setDaemon(true);
        return t;
    });

    private ConnectionFloodGuard() {
    }

    /** Watches every connection {@code connector} opens. */
    static ConnectionFloodGuard on(ServerConnector connector) {
        ConnectionFloodGuard g = new ConnectionFloodGuard();
        connector.addBean(g);   // a connector's Connection.Listener beans are added to each connection it opens
        g.sweeper.scheduleWithFixedDelay(g::sweep, 1, 1, TimeUnit.SECONDS);
        return g;
    }

    @Override
    public void onOpened(Connection connection) {
        opened.put(connection, System.nanoTime());
    }

    @Override
    public void onClosed(Connection connection) {
        opened.remove(connection);
    }

    private void sweep() {
        if (opened.size() < BrokerServer.FLOOD_CONNECTIONS) {
            return;
        }
        long now = System.nanoTime();
        opened.forEach((c, at) -> {
            if (now - at > MAX_AGE.toNanos()) {
                c.getEndPoint().close();
            }
        });
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
