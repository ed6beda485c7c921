package newslink.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * Starts one OpenSearch node on 127.0.0.1 in the foreground and prints, on stdout and only
 * once the node answers over HTTP, the single line
 * {@code READY http://127.0.0.1:PORT (OpenSearch X.Y.Z)}. Everything else goes to stderr or
 * to DATA/logs/, so a caller can read that one line from a pipe.
 *
 * <pre>
 *   java -cp CLASSES:LIB/* newslink.opensearch.Main --port 9200 --data DIR [--watch-stdin]
 * </pre>
 *
 * {@code --port 0} takes a free port (the READY line says which). The node stops cleanly
 * (flushes, releases its data folder lock) on SIGTERM/SIGINT, and with {@code --watch-stdin}
 * also when standard input closes -- so a parent that dies takes the node with it.
 */
public final class Main {

    /** Module plugins a news index needs; 3.x renamed most of them to *ModulePlugin. */
    private static final String[][] MODULES = {
        {"org.opensearch.transport.Netty4Plugin", "org.opensearch.transport.Netty4ModulePlugin"},
        {"org.opensearch.analysis.common.CommonAnalysisPlugin", "org.opensearch.analysis.common.CommonAnalysisModulePlugin"},
        {"org.opensearch.index.mapper.MapperExtrasPlugin", "org.opensearch.index.mapper.MapperExtrasModulePlugin"},
        {"org.opensearch.index.reindex.ReindexPlugin", "org.opensearch.index.reindex.ReindexModulePlugin"},
    };
    private static final Pattern NUMBER = Pattern.compile("\"number\"\\s*:\\s*\"([^\"]+)\"");

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int port = -1;
        Path data = null;
        boolean watchStdin = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--data" -> data = Path.of(value(args, ++i, "--data")).toAbsolutePath();
                case "--watch-stdin" -> watchStdin = true;
                default -> fail("unknown argument " + args[i] + " (usage: --port PORT --data DIR [--watch-stdin])");
            }
        }
        if (port < 0 || port > 65535 || data == null) {
            fail("usage: --port PORT --data DIR [--watch-stdin]   (PORT 0 = any free port)");
        }
        Files.createDirectories(data.resolve("logs"));
        // Read by log4j2.properties; must be set before the first OpenSearch class logs anything.
        System.setProperty("newslink.opensearch.logs", data.resolve("logs").toString());

        Node node = new LocalNode(environment(port, data), plugins());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                System.err.println("opensearch-local: error while stopping: " + e);
            } finally {
                org.apache.logging.log4j.LogManager.shutdown(); // flush the node's last log lines
                stopped.countDown();
            }
        }, "newslink-stop"));
        try {
            node.start();
        } catch (Exception e) {
            System.err.println("opensearch-local: the node did not start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        int bound = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        String url = "http://127.0.0.1:" + bound;
        String version = awaitAnswer(url);
        System.out.println("READY " + url + " (OpenSearch " + version + ")");
        System.out.flush();
        if (watchStdin) {
            Thread watcher = new Thread(() -> {
                drain(System.in);
                System.err.println("opensearch-local: stdin closed, stopping");
                System.exit(0);
            }, "newslink-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
    }

    private static Environment environment(int port, Path data) {
        Settings settings = Settings.builder()
            .put("path.home", data.toString())
            .put("path.data", data.resolve("data").toString())
            .put("path.logs", data.resolve("logs").toString())
            .put("cluster.name", "newslink-local")
            .put("node.name", "newslink-local")
            .put("network.host", "127.0.0.1") // loopback only: HTTP and transport
            .put("http.port", Integer.toString(port))
            .put("transport.port", "0") // a free port: nothing connects to it, but it must bind
            .put("discovery.type", "single-node")
            // A laptop or CI disk with little room must not turn the index read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        return InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "newslink-local");
    }

    private static List<Class<? extends Plugin>> plugins() {
        List<Class<? extends Plugin>> out = new ArrayList<>();
        for (String[] names : MODULES) {
            out.add(firstPresent(names));
        }
        return out;
    }

    private static Class<? extends Plugin> firstPresent(String[] names) {
        for (String name : names) {
            try {
                return Class.forName(name).asSubclass(Plugin.class);
            } catch (ClassNotFoundException e) {
                // the other version's name
            }
        }
        throw new IllegalStateException("none of " + String.join(", ", names) + " on the classpath (run ./run, or mvn package)");
    }

    /** Waits until the node serves HTTP and the cluster is at least yellow; returns its version. */
    private static String awaitAnswer(String url) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/_cluster/health?wait_for_status=yellow&timeout=10s")).build(),
                    HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(url + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
                Matcher m = NUMBER.matcher(root.body());
                if (health.statusCode() == 200 && root.statusCode() == 200 && m.find()) {
                    return m.group(1);
                }
                last = new IOException("HTTP " + health.statusCode() + " / " + root.statusCode());
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        System.err.println("opensearch-local: the node started but did not answer on " + url + ": " + last);
        System.exit(1);
        return null;
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // keep reading until end of file
            }
        } catch (IOException e) {
            // a broken stdin is a closed one
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static void fail(String message) {
        System.err.println("opensearch-local: " + message);
        System.exit(2);
    }
}
