/**
 * Labels on the map: which level shows at a zoom (broad topics far out, fine
 * topics closer, the papers' titles closest, with the topics still named) and
 * where they go: biggest first, each dropped if it would overlap one already
 * placed or leave the canvas. Pure: the page hands in a way to measure text.
 */

export type LabelKind = 'broad' | 'fine' | 'title';

export interface LabelCandidate {
  kind: LabelKind;
  text: string;
  /** Where the label is centred, in CSS pixels. */
  x: number;
  y: number;
  /** Bigger goes first. */
  weight: number;
  ink: string;
  /** The paper a title names, or the topic places a topic label stands for. */
  row?: number;
  topics?: number[];
}

export interface PlacedLabel extends LabelCandidate {
  font: number;
  box: [number, number, number, number];
}

export const FONT: Record<LabelKind, number> = { broad: 15, fine: 13, title: 11 };
/** Titles come in once the papers in view (with a title on the page) are at most one per this many square pixels. */
export const TITLE_AREA = 9000;
/** Zoom from which fine topics are labelled instead of broad ones. */
export const FINE_ZOOM = 1.8;
/** A title on the map is cut to this many characters. */
const TITLE_CHARACTERS = 48;

export type Level = 'broad' | 'fine' | 'titles';

/** The level of labels for a view: `titled` papers with a title are in view of a canvas of `area` square pixels. */
export function labelLevel(zoom: number, twoLevels: boolean, titled: number, area: number): Level {
  if (titled > 0 && titled <= area / TITLE_AREA && zoom > 1.2) return 'titles';
  return twoLevels && zoom < FINE_ZOOM ? 'broad' : 'fine';
}

/** A title short enough for the map: whole words while they fit. */
export function titleLabel(title: string, max = TITLE_CHARACTERS): string {
  if (title.length <= max) return title;
  const cut = title.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * The labels that fit: candidates by weight, topic labels before titles (or,
 * at the title level, titles first: there they are what the view is about),
 * none overlapping another (with `gap` pixels between) or crossing the edge.
 * A title sits just above its paper's point, so the point stays visible.
 */
export function placeLabels(
  candidates: readonly LabelCandidate[],
  measure: (text: string, font: number) => number,
  width: number,
  height: number,
  titlesFirst = false,
  gap = 2,
): PlacedLabel[] {
  const rank = (label: LabelCandidate) => ((label.kind === 'title') === titlesFirst ? 1 : 0);
  const sorted = [...candidates].sort((a, b) => rank(b) - rank(a) || b.weight - a.weight);
  const placed: PlacedLabel[] = [];
  for (const label of sorted) {
    const font = FONT[label.kind];
    const half = measure(label.text, font) / 2 + 3;
    const middle = label.kind === 'title' ? label.y - font / 2 - 5 : label.y;
    const box: [number, number, number, number] = [label.x - half, middle - font / 2 - 2, label.x + half, middle + font / 2 + 2];
    if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height) continue;
    const overlaps = placed.some(
      (other) => box[0] < other.box[2] + gap && other.box[0] < box[2] + gap && box[1] < other.box[3] + gap && other.box[1] < box[3] + gap,
    );
    if (overlaps) continue;
    placed.push({ ...label, font, box });
  }
  return placed;
}
