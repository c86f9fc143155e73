// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. Shape and hatching
// carry the same meaning as colour, so nothing relies on hue alone.
export const COLOR = {
  term: "#0072B2",
  termTail: "#56B4E9",
  localExpiry: "#E69F00",
  batch: "#3a3a3a",
  effect: "#009E73",
  rejected: "#CC79A7",
  violation: "#D55E00",
  fault: "#F0E442",
  faultEdge: "#a89a00",
  pending: "#0072B2",
  overdue: "#E69F00",
  process: "#222222",
  grid: "#e4e4e4",
  muted: "#666666",
} as const;
