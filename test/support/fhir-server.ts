/**
 * A real FHIR R4 server (HAPI FHIR JPA server on embedded H2) for e2e tests.
 *
 * - If FHIR_BASE_URL is set (e.g. "http://localhost:8080/fhir"), that server is
 *   used as is and stop() is a no-op.
 * - Otherwise the launcher in deploy/fhir is built once with Maven (first time:
 *   HAPI FHIR is downloaded from Maven Central, a few minutes) and started by
 *   deploy/fhir/fhir.sh on an OS-assigned free port, with a fresh in-memory
 *   database. stop() stops it. The server is tied to this process
 *   (FHIR_OWNER_PID), so a crashed test run does not leak it.
 *
 * Start-up takes ~15 s of CPU on a 2-core box: call ensureFhir() once per
 * file (beforeAll, with a generous timeout: FHIR_SETUP_TIMEOUT_MS) or once per run.
 */
import { resolve } from 'node:path';
import type { Client as FhirKitClient, ClientConfig } from 'fhir-kit-client';
import { loadFhirKit } from '@pdp/fhir';
import { freePort, runScript } from './scripts';

export interface FhirHandle {
  /** e.g. http://127.0.0.1:41234/fhir (no trailing slash) */
  baseUrl: string;
  stop: () => Promise<void>;
}

const ROOT = resolve(__dirname, '..', '..');
const FHIR_SH = resolve(ROOT, 'deploy', 'fhir', 'fhir.sh');

/** Build (first run only) + JVM start; generous because the first build downloads ~300 MB of jars. */
export const FHIR_SETUP_TIMEOUT_MS = 15 * 60_000;

export async function createFhirClient(baseUrl: string, config: Omit<ClientConfig, 'baseUrl'> = {}): Promise<FhirKitClient> {
  const { Client } = await loadFhirKit();
  return new Client({ ...config, baseUrl: baseUrl.replace(/\/+$/, '') });
}

export async function ensureFhir(): Promise<FhirHandle> {
  const external = process.env.FHIR_BASE_URL?.trim();
  if (external) {
    return { baseUrl: external.replace(/\/+$/, ''), stop: async () => undefined };
  }

  let lastError: unknown;
  // Retry in case another process grabbed the "free" port first (the launcher binds before booting HAPI).
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FHIR_PORT: String(port),
      FHIR_HOST: '127.0.0.1',
      FHIR_OWNER_PID: String(process.pid),
    };
    try {
      // `start` builds first if the launcher is missing or out of date, then waits for GET /fhir/metadata == 200.
      await runScript(FHIR_SH, ['start'], ROOT, env, FHIR_SETUP_TIMEOUT_MS);
    } catch (error) {
      lastError = error;
      if (/already in use|Failed to bind|already answers HTTP/.test(String(error)) && attempt < 3) continue;
      throw error;
    }

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= runScript(FHIR_SH, ['stop'], ROOT, env, 60_000).then(() => undefined);
      return stopped;
    };
    return { baseUrl: `http://127.0.0.1:${port}/fhir`, stop };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
