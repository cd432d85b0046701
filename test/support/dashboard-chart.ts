import type { Locator } from 'playwright-core';
import type { Image } from './dashboard-png';

/** Each marker's centre in the SVG element's CSS pixels, in iteration order. */
export async function markerPositions(svg: Locator, key: string): Promise<Array<{ x: number; y: number }>> {
  return svg.locator(`[data-series="${key}"] circle.marker`).evaluateAll((circles) => {
    const origin = (circles[0]?.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
    return circles.map((c) => {
      const r = c.getBoundingClientRect();
      return { x: r.x + r.width / 2 - origin.x, y: r.y + r.height / 2 - origin.y };
    });
  });
}

export function hasColorNear(image: Image, color: [number, number, number], cx: number, cy: number, radius: number): boolean {
  for (let y = Math.max(0, Math.round(cy - radius)); y <= Math.min(image.height - 1, Math.round(cy + radius)); y++) {
    for (let x = Math.max(0, Math.round(cx - radius)); x <= Math.min(image.width - 1, Math.round(cx + radius)); x++) {
      const i = (y * image.width + x) * 4;
      if ([0, 1, 2].every((c) => Math.abs(image.rgba[i + c] - color[c]) <= 40)) return true;
    }
  }
  return false;
}

/** The dashboard's percent format. */
export function percent(value: number): string {
  const p = value * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(1) : p.toPrecision(2)}%`;
}
