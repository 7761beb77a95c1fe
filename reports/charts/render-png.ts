import { createCanvas } from '@napi-rs/canvas';
import { Chart } from 'chart.js/auto';
import { writeFileAtomic } from '../../harness/atomic-write.ts';
import { assertChartSpec, type ChartSpec } from './chart-spec.ts';
import { toChartConfiguration } from './chart-runtime.js';

export interface PngSize {
  width: number;
  height: number;
}

export const DEFAULT_PNG_SIZE: PngSize = { width: 960, height: 540 };

/**
 * Draws a chart spec with chart.js on an @napi-rs/canvas canvas (no system libraries needed)
 * and returns the PNG bytes.
 */
export function chartPngBytes(spec: ChartSpec, size: PngSize = DEFAULT_PNG_SIZE): Buffer {
  assertChartSpec(spec);
  if (!(Number.isInteger(size.width) && size.width > 0 && Number.isInteger(size.height) && size.height > 0)) {
    throw new Error(`chart "${spec.title}": PNG size must be positive integers, got ${JSON.stringify(size)}`);
  }
  const canvas = createCanvas(size.width, size.height);
  const config = toChartConfiguration(spec, { animation: false, responsive: false, devicePixelRatio: 1 });
  // chart.js only needs the 2D context API, which @napi-rs/canvas provides.
  const chart = new Chart(canvas as unknown as HTMLCanvasElement, config);
  try {
    chart.draw();
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}

/** Draws a chart spec to a PNG file, written atomically. */
export async function renderChartPng(spec: ChartSpec, path: string, size: PngSize = DEFAULT_PNG_SIZE): Promise<void> {
  writeFileAtomic(path, chartPngBytes(spec, size));
}
