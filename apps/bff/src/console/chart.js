// @ts-check
// The daily chart of signings and terminations (SVG built from nodes, no library).
import { svg } from './dom.js';

/** @typedef {import('./schemas.ts').DailyReply} DailyReply */

/**
 * @param {DailyReply['days']} days
 * @returns {SVGElement}
 */
export function dailyChart(days) {
  const W = 960;
  const H = 220;
  const pad = { l: 36, r: 8, t: 10, b: 28 };
  const max = Math.max(1, ...days.map((d) => Math.max(d.signed, d.terminated)));
  const slot = (W - pad.l - pad.r) / days.length;
  const bar = Math.max(2, slot / 2 - 2);
  /** @param {number} v */
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: '100%',
    role: 'img',
    'aria-label': 'signings and terminations per day',
  });
  for (const v of [0, Math.ceil(max / 2), max]) {
    root.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), stroke: '#e3e5ea' }));
    root.append(
      svg(
        'text',
        { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#667' },
        String(v),
      ),
    );
  }
  days.forEach((d, i) => {
    const x = pad.l + i * slot + 1;
    const bars = [
      { kind: 'signed', value: d.signed, color: '#07a35a', dx: 0 },
      { kind: 'terminated', value: d.terminated, color: '#d9363e', dx: bar + 1 },
    ];
    for (const { kind, value, color, dx } of bars) {
      if (value === 0) continue;
      const r = svg('rect', {
        x: x + dx,
        y: y(value),
        width: bar,
        height: y(0) - y(value),
        fill: color,
        'data-date': d.date,
        'data-kind': kind,
        'data-value': value,
      });
      r.append(svg('title', {}, `${d.date}: ${value} ${kind}`));
      root.append(r);
    }
    if (i % 5 === 0 || i === days.length - 1) {
      root.append(
        svg(
          'text',
          { x: x + bar, y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#667' },
          d.date.slice(5),
        ),
      );
    }
  });
  return root;
}
