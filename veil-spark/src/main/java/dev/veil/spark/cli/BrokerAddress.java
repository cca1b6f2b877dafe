package dev.veil.spark.cli;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A key broker's address as the user gives it, read as 'veil serve --model-broker' reads it: {@code host:port} alone
 * means http, an http or https URL must name a host and a port, and nothing after the port but a '/'. The result is
 * {@code scheme://host:port/}, so each path the launcher asks resolves under it.
 */
final class BrokerAddress {
    private BrokerAddress() {
    }

    static URI parse(String option, String value) throws UsageError {
        String v = value.contains("://") ? value : "http://" + value;
        try {
            URI u = new URI(v);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null && u.getPort() > 0
                    && u.getUserInfo() == null && (u.getPath() == null || u.getPath().isEmpty() || "/".equals(u.getPath()))
                    && u.getQuery() == null && u.getFragment() == null) {
                return new URI(u.getScheme(), null, u.getHost(), u.getPort(), "/", null, null);
            }
        } catch (URISyntaxException e) {
            // worded below, as every other malformed address
        }
        throw new UsageError(option + " '" + value + "' is not the address of 'veil broker'; give http://host:port or https://host:port");
    }
}
