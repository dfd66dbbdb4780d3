package pdp.fhir;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Test-only HAPI FHIR R4 JPA server: Spring context (HAPI JPA on embedded H2) + embedded Jetty 12.
 *
 * <p>Configuration (system property, then environment variable):
 * <ul>
 *   <li>{@code fhir.port} / {@code FHIR_PORT} (default 18080)</li>
 *   <li>{@code fhir.host} / {@code FHIR_HOST} (default 127.0.0.1)</li>
 *   <li>{@code fhir.jdbcUrl} / {@code FHIR_JDBC_URL} (default in-memory H2)</li>
 *   <li>{@code fhir.ownerPid} / {@code FHIR_OWNER_PID} (optional): exit when that process is gone,
 *       so a crashed test run does not leak the server</li>
 * </ul>
 * Base URL: {@code http://HOST:PORT/fhir}. Stops cleanly on SIGTERM (shutdown hook).
 */
public final class FhirTestServer {

	private static final Logger LOG = LoggerFactory.getLogger(FhirTestServer.class);

	private FhirTestServer() {}

	private static String setting(String prop, String env, String dflt) {
		String v = System.getProperty(prop);
		if (v == null || v.isBlank()) v = System.getenv(env);
		return (v == null || v.isBlank()) ? dflt : v;
	}

	/** Exit (running the shutdown hook) once the owning process has terminated. */
	private static void watchOwner(String ownerPid) {
		if (ownerPid.isBlank()) return;
		long pid = Long.parseLong(ownerPid.trim());
		Thread t = new Thread(() -> {
			while (true) {
				boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
				if (!alive) {
					LOG.warn("Owner process {} is gone; shutting down", pid);
					System.exit(0);
				}
				try {
					Thread.sleep(2_000);
				} catch (InterruptedException e) {
					return;
				}
			}
		}, "fhir-owner-watch");
		t.setDaemon(true);
		t.start();
	}

	public static void main(String[] args) throws Exception {
		long t0 = System.nanoTime();
		int port = Integer.parseInt(setting("fhir.port", "FHIR_PORT", "18080"));
		String host = setting("fhir.host", "FHIR_HOST", "127.0.0.1");
		System.setProperty("fhir.jdbcUrl", setting("fhir.jdbcUrl", "FHIR_JDBC_URL", ""));
		watchOwner(setting("fhir.ownerPid", "FHIR_OWNER_PID", ""));

		QueuedThreadPool threads = new QueuedThreadPool(32, 4);
		threads.setName("fhir-http");
		Server jetty = new Server(threads);
		ServerConnector connector = new ServerConnector(jetty, 1, 1);
		connector.setHost(host);
		connector.setPort(port);
		jetty.addConnector(connector);
		// Bind now: a port clash fails in milliseconds instead of after the whole HAPI start-up.
		connector.open();

		AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext(FhirServerConfig.class);
		RestfulServer restfulServer = spring.getBean(RestfulServer.class);

		ServletContextHandler context = new ServletContextHandler();
		context.setContextPath("/");
		ServletHolder holder = new ServletHolder("fhir", restfulServer);
		holder.setInitOrder(1); // initialise HAPI (capability statement, providers) before accepting traffic
		context.addServlet(holder, "/fhir/*");
		jetty.setHandler(context);
		jetty.setStopAtShutdown(false);
		jetty.setStopTimeout(5_000);

		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			LOG.info("Shutting down FHIR server");
			try {
				jetty.stop();
			} catch (Exception e) {
				LOG.warn("Jetty stop failed", e);
			}
			spring.close();
			LOG.info("FHIR server stopped");
		}, "fhir-shutdown"));

		jetty.start();
		long ms = (System.nanoTime() - t0) / 1_000_000;
		LOG.info("FHIR server READY at http://{}:{}/fhir ({} ms since main)", host, connector.getLocalPort(), ms);
		jetty.join();
	}
}
