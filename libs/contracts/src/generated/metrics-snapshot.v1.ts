/* Generated from contracts/schemas/metrics-snapshot.v1.schema.json by scripts/gen-types.js. Do not edit. */

import type { IsoDateTime } from './common.v1';

/**
 * A published table of harmonised, masked aggregates (no person-level data), version 1. Cells below the threshold and the cells suppressed to protect them have no values.
 */
export interface MetricsSnapshot {
  schemaVersion: 'metrics-snapshot/1';
  snapshotId: string;
  metric: 'maintiens' | 'outcomes' | 'measures' | 'overlap' | 'orientations' | 'timeliness' | 'follow-ups';
  period: 'month' | 'quarter' | 'year';
  by: string[];
  threshold: number;
  generatedAt: IsoDateTime;
  rows: {
    /**
     * 2025-03, 2025-Q1, 2025 or all.
     */
    period: string;
    dimensions: {
      [k: string]: string;
    };
    /**
     * primary: a value is below the threshold; secondary: suppressed so that a primary cell cannot be recomputed from totals.
     */
    masked: 'no' | 'primary' | 'secondary';
    /**
     * The counters; null when masked.
     */
    values: null | {
      [k: string]: number;
    };
  }[];
  total: {
    /**
     * 2025-03, 2025-Q1, 2025 or all.
     */
    period: string;
    dimensions: {
      [k: string]: string;
    };
    /**
     * primary: a value is below the threshold; secondary: suppressed so that a primary cell cannot be recomputed from totals.
     */
    masked: 'no' | 'primary' | 'secondary';
    /**
     * The counters; null when masked.
     */
    values: null | {
      [k: string]: number;
    };
  };
}
