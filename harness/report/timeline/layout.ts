// The SVG's fixed geometry (px), shared by the parts that draw it and the script that zooms it.

/** The SVG's width; the page is laid out for it. */
export const WIDTH = 1200;
/** Where the time axis starts: the gutter to its left holds lane and row names. */
export const PLOT_LEFT = 180;
/** Where the time axis ends. */
export const PLOT_RIGHT = WIDTH - 28;
/** Height of one worker's lane. */
export const LANE_H = 60;
/** Height of a lease group's heading. */
export const GROUP_H = 22;
/** Height of one row of fault bars. */
export const ROW_H = 20;
/** Height of the steps strip. */
export const STEPS_H = 32;
/** Height of one backlog chart. */
export const CHART_H = 72;
/** Space between backlog charts. */
export const CHART_GAP = 30;
/** Rough width of one character of the 11 px label font, to pack labels without measuring text. */
export const CHAR_W = 6.2;
/** The clip of everything placed in time: zoomed marks must not spill into the gutter. */
export const PLOT_CLIP = "url(#plot-clip)";
/** How far past either end of the axis the whole-run view shows marks (a diamond at the run's start). */
export const CLIP_PAD = 9;
