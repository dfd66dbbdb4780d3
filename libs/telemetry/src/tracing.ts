import { Attributes, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = () => trace.getTracer('pdp-hub');

/**
 * Starts OpenTelemetry tracing for a service when an exporter is configured the standard way
 * (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT…, read by the configuration); otherwise
 * spans are no-ops. Spans carry topics, counts and stages only: never a NIR/INS, a pseudonym
 * or a payload.
 */
export function startTracing(serviceName: string, settings: { tracesExporter?: string }): { shutdown(): Promise<void> } | null {
  if (!settings.tracesExporter) return null;
  // Loaded only when tracing is on: the SDK and its exporters weigh tens of MB per process.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/** Runs fn in a span; records failure status without the error's payload-bearing details. */
export async function traced<T>(name: string, attributes: Attributes, fn: () => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn();
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).name });
      throw e;
    } finally {
      span.end();
    }
  });
}
