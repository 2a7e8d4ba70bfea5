/*
 * Topic colours that can be told apart, in OKLab (a perceptual space where
 * distance is how different two colours look): a hue per broad topic, and
 * within it, fine topics in hues of their own around it (chosen greedily as
 * far apart as possible, Glasbey's method), so neighbours on the map differ.
 */

export type Lab = [number, number, number];

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const fromLinear = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

export function rgbToOklab([r8, g8, b8]: [number, number, number]): Lab {
  const [r, g, b] = [r8, g8, b8].map((c) => toLinear(c / 255));
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720406 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ];
}

/** OKLab of a #rrggbb colour. */
export const hexToOklab = (hex: string): Lab => rgbToOklab([1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [number, number, number]);

/** Linear sRGB of an OKLab colour; components outside [0, 1] mean out of gamut. */
function oklabToLinear([L, a, b]: Lab): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

const byte = (c: number) =>
  Math.round(fromLinear(Math.min(1, Math.max(0, c))) * 255)
    .toString(16)
    .padStart(2, '0');

/** #rrggbb of an OKLab colour, chroma reduced until it fits sRGB. */
export function oklabToHex([L, a, b]: Lab): string {
  for (let shrink = 1; shrink > 0; shrink -= 0.02) {
    const rgb = oklabToLinear([L, a * shrink, b * shrink]);
    if (rgb.every((c) => c >= -1e-4 && c <= 1 + 1e-4)) return `#${rgb.map(byte).join('')}`;
  }
  const grey = byte(L ** 3);
  return `#${grey}${grey}${grey}`;
}

export const colourDistance = (x: Lab, y: Lab) => Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
const hueOf = (lab: Lab) => (Math.atan2(lab[2], lab[1]) * 180) / Math.PI;
const hueGap = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

/** The colours a palette is chosen from: an sRGB grid, lightness `low` to `high` (0.42 to 0.82 reads on white), chroma at least 0.09. */
function candidates(low: number, high: number): Lab[] {
  const found: Lab[] = [];
  for (let r = 0; r < 256; r += 15) {
    for (let g = 0; g < 256; g += 15) {
      for (let b = 0; b < 256; b += 15) {
        const lab = rgbToOklab([r, g, b]);
        if (lab[0] >= low && lab[0] <= high && Math.hypot(lab[1], lab[2]) >= 0.09) found.push(lab);
      }
    }
  }
  return found;
}

/** The outliers' grey: no topic may look like it. */
export const OUTLIER_COLOUR = '#9ca3af';

/** `count` colours from `pool`, each the one farthest from those taken so far (and from `avoid`), starting from `first`. */
function glasbey(pool: readonly Lab[], count: number, first: Lab, avoid: readonly Lab[] = []): Lab[] {
  const chosen: Lab[] = [first];
  const nearest = pool.map((lab) => Math.min(colourDistance(lab, first), ...avoid.map((other) => colourDistance(lab, other) * 0.8)));
  while (chosen.length < count && pool.length > 0) {
    let best = 0;
    for (let i = 1; i < pool.length; i++) if (nearest[i] > nearest[best]) best = i;
    const next = pool[best];
    chosen.push(next);
    pool.forEach((lab, i) => (nearest[i] = Math.min(nearest[i], colourDistance(lab, next))));
  }
  return chosen.slice(0, count);
}

/** `count` colours far apart from each other, starting from a blue (Glasbey's method over colours that read on white). */
export function distinctColours(count: number, lightness: [number, number] = [0.42, 0.82]): Lab[] {
  return glasbey(candidates(...lightness), count, rgbToOklab([31, 119, 180]), [hexToOklab(OUTLIER_COLOUR)]);
}

/** Broad topics up to this many get evenly spaced hues; more take the Glasbey palette. */
const EVEN_HUES_MAX = 9;

/**
 * `count` hues evenly around the OKLCH circle at one lightness (0.6) and
 * chroma (0.15, less where sRGB cannot show it), from blue; neighbours in the
 * list are half the circle apart so topics listed together never look alike.
 */
export function evenHues(count: number): Lab[] {
  const step = 360 / Math.max(count, 1);
  const stride = count > 2 ? Math.floor(count / 2) + (count % 2 === 0 ? 1 : 0) : 1;
  // a stride coprime with count visits every hue once
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const jump = gcd(stride, count) === 1 ? stride : 1;
  return Array.from({ length: count }, (_, index) => {
    const hue = ((250 + ((index * jump) % count) * step) * Math.PI) / 180;
    return [0.6, 0.15 * Math.cos(hue), 0.15 * Math.sin(hue)] as Lab;
  });
}

export interface TopicColours {
  /** Fill colour of each fine topic, by topic place. */
  fine: string[];
  /** Dark text colour of each fine topic, for its label on the map. */
  fineInk: string[];
  /** Colour and text colour of each broad topic, in order. */
  broad: string[];
  broadInk: string[];
}

/** Fine topics of one broad topic may take hues this far (degrees) either side of its hue, at least. */
const MIN_HUE_SPREAD = 35;

/**
 * Colours for fine topics grouped under broad topics (`groups[b]`: the fine
 * topic places of broad topic b): a distinct colour per broad topic; its fine
 * topics take hues round it, the first (the biggest) the broad topic's own,
 * each next one the colour of the sector farthest from those taken, so that
 * fine topics of one broad topic differ in hue and lightness, not lightness
 * alone.
 */
export function topicColours(fineCount: number, groups: readonly (readonly number[])[]): TopicColours {
  const twoLevels = groups.some((members) => members.length > 1);
  const bases = twoLevels && groups.length <= EVEN_HUES_MAX ? evenHues(groups.length) : distinctColours(groups.length);
  const fine = new Array<string>(fineCount).fill('#6b7280');
  const fineInk = new Array<string>(fineCount).fill('#374151');
  const ink = ([L, a, b]: Lab): string => oklabToHex([Math.min(L, 0.42), a * 0.85, b * 0.85]);
  // the broad topics' own colours are theirs alone
  const baseHexes = new Set(bases.map(oklabToHex));
  let pool = candidates(0.45, 0.8).filter((lab) => !baseHexes.has(oklabToHex(lab)));
  const spread = Math.max(MIN_HUE_SPREAD, 180 / Math.max(groups.length, 1));
  groups.forEach((members, group) => {
    const base = hexToOklab(oklabToHex(bases[group]));
    // a broad topic with many fine topics, or whose hues others took, looks a little further round the circle
    let sector: Lab[] = [];
    for (let width = spread; width <= 180 && sector.length < members.length * 4; width += 15)
      sector = pool.filter((lab) => hueGap(hueOf(lab), hueOf(base)) <= width);
    const colours = glasbey(sector, members.length, base);
    // a colour one broad topic took is no other's
    const taken = new Set(colours.map(oklabToHex));
    pool = pool.filter((lab) => !taken.has(oklabToHex(lab)));
    members.forEach((topic, position) => {
      const colour = colours[position] ?? base;
      fine[topic] = oklabToHex(colour);
      fineInk[topic] = ink(colour);
    });
  });
  return { fine, fineInk, broad: bases.map(oklabToHex), broadInk: bases.map(ink) };
}
